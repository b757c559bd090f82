import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import pytest
from django.utils import timezone

from trustmart.core import events, jobs
from trustmart.core.models import HandledEvent, JobClaim, OutboxEvent
from trustmart.core.worker import Worker

delivered: Counter[str] = Counter()
job_runs: Counter[str] = Counter()
slow_started, slow_proceed = threading.Event(), threading.Event()


@dataclass(frozen=True)
class Counted(events.Payload):
    """A number to count."""

    n: Annotated[int, "Which call this is."] = 0


events.EventType("test.worker.counted", Counted)
events.EventType("test.worker.slow", Counted)
events.EventType("test.worker.sleepy", Counted)


@events.subscribe("test.worker.counted")
def counted(event: events.Event) -> None:
    delivered[str(event.payload["n"])] += 1


@events.subscribe("test.worker.slow")
def slow(event: events.Event) -> None:
    slow_started.set()
    assert slow_proceed.wait(10)
    delivered["slow"] += 1


@events.subscribe("test.worker.sleepy")
def sleepy(event: events.Event) -> None:
    time.sleep(0.15)
    delivered["sleepy"] += 1


@jobs.job("test.worker.hourly", every_seconds=3600)
def hourly() -> None:
    job_runs["hourly"] += 1


HOURLY = [j for j in jobs.registered_jobs() if j.name == "test.worker.hourly"]


@pytest.fixture(autouse=True)
def _worker_mode(settings: object) -> None:
    settings.TRUSTMART_EVENT_DELIVERY = "worker"  # type: ignore[attr-defined]
    delivered.clear()
    job_runs.clear()
    slow_started.clear()
    slow_proceed.clear()


def _run_in_thread(worker: Worker) -> threading.Thread:
    thread = threading.Thread(target=worker.run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_in_worker_mode_the_web_process_only_records_the_event_and_a_worker_delivers_it() -> None:
    event = events.publish("test.worker.counted", {"n": 1})
    row = OutboxEvent.objects.get(pk=event.pk)
    assert row.status == OutboxEvent.Status.PENDING and delivered["1"] == 0
    assert row.next_attempt_at <= timezone.now()  # due for the worker at once
    stats = Worker(run_jobs=False, until_idle=True, poll_seconds=0.05).run()
    assert stats.events == 1 and delivered["1"] == 1
    assert OutboxEvent.objects.get(pk=event.pk).status == OutboxEvent.Status.DELIVERED


# Threads on SQLite's in-memory test database fail with "table is locked" rather than
# wait; two worker processes on a SQLite file are in tests/test_worker_process.py.
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_deliver_each_event_once_between_them() -> None:
    for n in range(40):
        events.publish("test.worker.counted", {"n": n})
    workers = [Worker(run_jobs=False, until_idle=True, poll_seconds=0.05, batch=5)
               for _ in range(2)]
    threads = [_run_in_thread(worker) for worker in workers]
    for thread in threads:
        thread.join(timeout=60)
    assert delivered == Counter({str(n): 1 for n in range(40)})
    assert sum(worker.stats.events for worker in workers) == 40  # no event claimed twice
    assert HandledEvent.objects.count() == 40
    assert not OutboxEvent.objects.exclude(status=OutboxEvent.Status.DELIVERED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_run_a_due_job_once_and_record_the_run() -> None:
    workers = [Worker(deliver_events=False, job_list=HOURLY, until_idle=True, poll_seconds=0.05)
               for _ in range(2)]
    threads = [_run_in_thread(worker) for worker in workers]
    for thread in threads:
        thread.join(timeout=60)
    assert job_runs["hourly"] == 1
    assert sorted(worker.stats.job_runs for worker in workers) == [0, 1]
    claim = JobClaim.objects.get(name="test.worker.hourly")
    assert claim.runs == 1 and claim.last_ok is True and claim.lease_until is None


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_finishes_the_event_in_hand_and_gives_back_the_rest() -> None:
    slow_event = events.publish("test.worker.slow", {})
    rest = [events.publish("test.worker.counted", {"n": n}).pk for n in range(3)]
    worker = Worker(run_jobs=False, poll_seconds=0.05)
    thread = _run_in_thread(worker)
    assert slow_started.wait(10)
    worker.request_stop()
    slow_proceed.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert OutboxEvent.objects.get(pk=slow_event.pk).status == OutboxEvent.Status.DELIVERED
    assert delivered == Counter({"slow": 1})
    given_back = OutboxEvent.objects.filter(pk__in=rest)
    assert {e.status for e in given_back} == {OutboxEvent.Status.PENDING}
    assert all(e.next_attempt_at <= timezone.now() for e in given_back)  # due again at once


@pytest.mark.django_db(transaction=True)
def test_events_claimed_by_a_worker_that_died_come_due_when_the_claim_runs_out() -> None:
    event = events.publish("test.worker.counted", {"n": 7})
    assert events.events_claim_due(limit=10) == [event.pk]  # ... and the claimer dies
    assert events.events_claim_due(limit=10) == []  # nobody else takes it meanwhile
    assert events.events_outstanding()  # an idle check still waits for it
    OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=timezone.now())  # lease over
    assert Worker(run_jobs=False, until_idle=True, poll_seconds=0.05).run().events == 1
    assert delivered["7"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_outlasting_half_its_claim_goes_back_and_is_claimed_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "CLAIM_LEASE", timedelta(seconds=0.2))
    claims: list[int] = []
    claim = events.events_claim_due

    def counted_claim(**kwargs: object) -> list[object]:
        claimed = claim(**kwargs)  # type: ignore[arg-type]
        if claimed:
            claims.append(len(claimed))
        return claimed  # type: ignore[return-value]

    monkeypatch.setattr(events, "events_claim_due", counted_claim)
    for n in range(3):
        events.publish("test.worker.sleepy", {"n": n})
    assert Worker(run_jobs=False, until_idle=True, poll_seconds=0.05).run().events == 3
    assert claims == [3, 2, 1]  # each event took longer than half the 0.2 s lease
    assert delivered == Counter({"sleepy": 3})


@pytest.mark.django_db(transaction=True)
def test_inline_mode_still_delivers_in_the_publishing_process(settings: object) -> None:
    settings.TRUSTMART_EVENT_DELIVERY = "inline"  # type: ignore[attr-defined]
    events.publish("test.worker.counted", {"n": 9})
    assert delivered["9"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_new_event_wakes_a_sleeping_worker_at_once() -> None:
    worker = Worker(run_jobs=False, poll_seconds=60)
    thread = _run_in_thread(worker)
    try:
        time.sleep(0.5)  # the worker has looked once and now sleeps for a minute
        events.publish("test.worker.counted", {"n": 11})
        deadline = time.monotonic() + 10
        while delivered["11"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert delivered["11"] == 1  # woken by NOTIFY, not by the 60 s poll
    finally:
        worker.request_stop()
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_concurrent_claimers_take_disjoint_batches() -> None:
    for n in range(60):
        events.publish("test.worker.counted", {"n": n})
    barrier = threading.Barrier(6)
    batches: list[list[object]] = []

    def claim() -> None:
        from django.db import connection

        try:
            barrier.wait()
            batches.append(list(events.events_claim_due(limit=10)))
        finally:
            connection.close()

    threads = [threading.Thread(target=claim) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    claimed = [event_id for batch in batches for event_id in batch]
    assert len(claimed) == len(set(claimed)) == 60
