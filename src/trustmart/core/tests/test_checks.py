from typing import Any

import pytest

from trustmart.core import checks

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                     "LOCATION": "redis://127.0.0.1:6379/0"}}


def ids(messages: list[Any]) -> list[str]:
    return [message.id for message in messages]


def test_demo_mode_is_an_error_in_a_deployment(settings: Any) -> None:
    settings.DEMO_MODE = True
    assert ids(checks.demo_mode_off()) == ["core.E001"]
    settings.DEMO_MODE = False
    assert checks.demo_mode_off() == []


def test_a_wildcard_host_is_a_warning(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["shop.example.com", "*"]
    assert ids(checks.allowed_hosts_named()) == ["core.W001"]
    settings.ALLOWED_HOSTS = ["shop.example.com", ".example.com"]
    assert checks.allowed_hosts_named() == []


@pytest.mark.parametrize(("caches", "web_concurrency", "expected"), [
    (LOCMEM, None, ["core.W002"]),  # unknown: several processes may run
    (LOCMEM, 4, ["core.W002"]),
    (LOCMEM, 1, []),  # one process: its memory is everyone's
    (REDIS, None, []),
])
def test_a_local_memory_cache_warns_unless_one_process_serves(
        settings: Any, caches: dict[str, Any], web_concurrency: int | None,
        expected: list[str]) -> None:
    settings.CACHES, settings.WEB_CONCURRENCY = caches, web_concurrency
    messages = checks.cache_shared_between_processes()
    assert ids(messages) == expected
    if messages:
        assert "rate limits and log-in lockouts multiply" in messages[0].msg


@pytest.mark.parametrize(("broker", "worker", "expected"), [
    ("", False, ["core.E002"]),
    ("", True, []),
    ("amqp://guest:guest@127.0.0.1:5672//", False, []),
])
def test_a_deployment_needs_a_scheduler(settings: Any, broker: str, worker: bool,
                                        expected: list[str]) -> None:
    settings.CELERY_BROKER_URL, settings.TRUSTMART_WORKER = broker, worker
    assert ids(checks.scheduler_configured()) == expected
