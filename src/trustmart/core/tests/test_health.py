import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client


@pytest.mark.django_db
def test_healthz_reports_database_and_cache() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["cache"]["ok"] is True
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_says_degraded_when_the_cache_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "set", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == {"ok": False, "backend": "ConnectionProxy",
                                        "error": "ConnectionError"}


def deploy_check(tmp_path: Path, **config: str) -> subprocess.CompletedProcess[str]:
    """``manage.py check --deploy --fail-level WARNING`` in a process configured by ``config``
    alone (nothing of the test run's own configuration leaks in)."""
    root = Path(__file__).resolve().parents[4]
    env = {k: v for k, v in os.environ.items()
           if k not in {"TRUSTMART_TESTING", "DJANGO_SETTINGS_MODULE", "DEBUG", "TRUSTMART_DEMO",
                        "DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL", "CELERY_BROKER_URL",
                        "TRUSTMART_WORKER", "TRUSTMART_EVENT_DELIVERY", "WEB_CONCURRENCY",
                        "ALLOWED_HOSTS", "PAYMENT_SANDBOX_ENABLED"}}
    env.update(SECRET_KEY=secrets.token_urlsafe(50), DEBUG="0", TRUSTMART_DATA_DIR=str(tmp_path),
               **config)
    return subprocess.run(
        [sys.executable, str(root / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, check=False)


def test_production_configuration_passes_the_deploy_check(tmp_path: Path) -> None:
    result = deploy_check(tmp_path, ALLOWED_HOSTS="shop.example.com", PAYMENT_SANDBOX_ENABLED="0",
                          REDIS_URL="redis://cache.internal:6379/0", TRUSTMART_WORKER="1")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_single_process_site_with_celery_passes_the_deploy_check_too(tmp_path: Path) -> None:
    result = deploy_check(tmp_path, ALLOWED_HOSTS="shop.example.com", PAYMENT_SANDBOX_ENABLED="0",
                          WEB_CONCURRENCY="1", CELERY_BROKER_URL="amqp://mq.internal//")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_demo_configuration_fails_the_deploy_check_with_every_reason(tmp_path: Path) -> None:
    result = deploy_check(tmp_path, ALLOWED_HOSTS="*", PAYMENT_SANDBOX_ENABLED="0",
                          TRUSTMART_DEMO="1")
    assert result.returncode != 0
    for check_id in ("core.E001", "core.E002", "core.W001", "core.W002"):
        assert check_id in result.stderr, result.stderr
    assert "multiply by the number of processes" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[4]
    env = {k: v for k, v in os.environ.items()
           if k not in {"TRUSTMART_TESTING", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG",
                        "TRUSTMART_DEMO"}}
    env.update(TRUSTMART_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, str(root / "manage.py"), "check"], env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_concurrent_probes_do_not_report_each_other_as_failures() -> None:
    import threading

    from django.db import close_old_connections

    statuses: list[int] = []

    def probe() -> None:
        try:
            for _ in range(20):
                statuses.append(Client().get("/healthz").status_code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=probe) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 120
