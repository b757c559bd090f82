import json
import os
import re
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from trustmart.core import jobs
from trustmart.core.models import JobClaim

SRC = Path(__file__).resolve().parents[2]
ran: Counter[str] = Counter()

# Every timed job of the project; a new one belongs in its app's jobs.py and in this list.
EXPECTED_JOBS = {
    "aftersales.deadlines": 300,
    "commissions.release_settled": 300,
    "core.events.deliver_due": 30,
    "core.idempotency.purge_expired": 3600,
    "developers.purge": 3600,
    "developers.webhooks.disable_failing": 3600,
    "developers.webhooks.send_due": 5,
    "orders.auto_confirm": 300,
    "orders.expire_unpaid": 60,
    "orders.settle_due": 300,
    "payments.payouts": 120,
    "payments.reconcile_daily": 3600,
    "payments.refunds_poll": 300,
    "payments.refunds_retry": 120,
    "payments.sweep_open": 120,
    "payments.wechatpay_certificates_refresh": 12 * 3600,
    "reviews.credit_window": 24 * 3600,
    "reviews.default_positive": 600,
    "sharing.binding_expire": 3600,
}


@jobs.job("test.half_minute", every_seconds=30)
def half_minute() -> int:
    ran["half_minute"] += 1
    return 7


@jobs.job("test.broken", every_seconds=60)
def broken() -> None:
    ran["broken"] += 1
    raise RuntimeError("the sweep hit a bug")


@pytest.fixture(autouse=True)
def _reset() -> None:
    ran.clear()


def test_a_fresh_process_registers_every_job_from_the_apps_jobs_modules() -> None:
    """What a worker or beat sees: AppConfig.ready imports each app's jobs.py."""
    code = ("import django, json; django.setup(); from trustmart.core.jobs import registered_jobs;"
            " print(json.dumps({j.name: j.every_seconds for j in registered_jobs()}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False, cwd=SRC.parents[1],
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == EXPECTED_JOBS


def test_jobs_are_registered_only_in_jobs_modules() -> None:
    registration = re.compile(r"(?<![\w.])job\(\s*['\"]")
    outside = [str(path.relative_to(SRC)) for path in SRC.rglob("*.py")
               if path.name != "jobs.py" and "tests" not in path.parts
               and registration.search(path.read_text())]
    assert outside == []


@pytest.mark.django_db(transaction=True)
def test_one_runner_claims_a_period_and_the_next_period_is_one_interval_later() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert jobs.job_claim("test.half_minute", owner="a")
        assert not jobs.job_claim("test.half_minute", owner="b")  # taken
        assert jobs.job_run_claimed("test.half_minute", owner="a")
        assert not jobs.job_claim("test.half_minute", owner="b")  # done for this period
    with time_machine.travel(start + timedelta(seconds=29), tick=False):
        assert not jobs.job_run_if_due("test.half_minute", owner="b")
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        assert jobs.job_run_if_due("test.half_minute", owner="b")
    assert ran["half_minute"] == 2
    claim = JobClaim.objects.get(name="test.half_minute")
    assert claim.next_run_at == start + timedelta(seconds=60)
    assert (claim.owner, claim.lease_until, claim.runs, claim.last_ok,
            claim.last_result) == ("b", None, 2, True, "7")


@pytest.mark.django_db(transaction=True)
def test_a_runner_that_was_down_runs_a_job_once_not_once_per_missed_period() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert jobs.job_run_if_due("test.half_minute", owner="a")
    later = start + timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        assert jobs.job_run_if_due("test.half_minute", owner="a")
        assert not jobs.job_run_if_due("test.half_minute", owner="a")
    assert JobClaim.objects.get(name="test.half_minute").next_run_at == later + timedelta(
        seconds=30)


@pytest.mark.django_db(transaction=True)
def test_a_dead_runners_claim_blocks_until_its_lease_runs_out() -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert jobs.job_claim("test.half_minute", owner="crashed")  # and never runs it
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        assert not jobs.job_claim("test.half_minute", owner="b")  # due, but the lease holds
        assert [j.name for j in jobs.jobs_due([jobs._jobs["test.half_minute"]])] == []
    with time_machine.travel(start + jobs.JOB_LEASE + timedelta(seconds=1), tick=False):
        assert jobs.job_claim("test.half_minute", owner="b")
        # The crashed runner, back from the dead, no longer owns a claim: it runs nothing.
        assert not jobs.job_run_claimed("test.half_minute", owner="crashed")
        assert jobs.job_run_claimed("test.half_minute", owner="b")
    assert ran["half_minute"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_recorded_and_its_claim_released() -> None:
    assert jobs.job_run_if_due("test.broken", owner="a")
    claim = JobClaim.objects.get(name="test.broken")
    assert (claim.last_ok, claim.runs, claim.failures, claim.lease_until) == (False, 1, 1, None)
    assert "the sweep hit a bug" in claim.last_error
    assert claim.last_finished_at is not None and claim.last_result == ""


@pytest.mark.django_db(transaction=True)
def test_a_running_job_keeps_renewing_its_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "JOB_LEASE", timedelta(seconds=0.6))
    seen: list[bool] = []

    def slow() -> None:
        for _ in range(6):
            threading.Event().wait(0.25)
            claim = JobClaim.objects.get(name="test.slow")
            seen.append(claim.lease_until is not None and claim.lease_until > timezone.now())

    monkeypatch.setitem(jobs._jobs, "test.slow", jobs.Job("test.slow", 60, slow))
    assert jobs.job_run_if_due("test.slow", owner="a")
    assert seen == [True] * 6  # 1.5 s of work under a 0.6 s lease: renewed all along


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_runners_run_a_due_job_once() -> None:
    jobs.jobs_schedule_ensure([jobs._jobs["test.half_minute"]])
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def runner(n: int) -> None:
        try:
            barrier.wait()
            claimed = jobs.job_claim("test.half_minute", owner=f"runner-{n}")
            won.append(claimed)
            if claimed:
                jobs.job_run_claimed("test.half_minute", owner=f"runner-{n}")
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]
    assert ran["half_minute"] == 1
