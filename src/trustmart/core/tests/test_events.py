import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import pytest
import time_machine
from django.db import close_old_connections, transaction
from django.utils import timezone

from trustmart.core import events
from trustmart.core.models import HandledEvent, OutboxEvent

calls: Counter[str] = Counter()
failures = {"left": 0}


@dataclass(frozen=True)
class Counted(events.Payload):
    """A number to count."""

    n: Annotated[int, "Which call this is."]


@dataclass(frozen=True)
class Nothing(events.Payload):
    """An event that carries nothing."""


COUNTED = events.EventType("test.counted", Counted)
FLAKY = events.EventType("test.flaky", Nothing)
UNHEARD = events.EventType("test.unheard", Counted)


@events.subscribe(COUNTED)
def count_it(event: events.Event) -> None:
    calls[str(COUNTED.data(event).n)] += 1


@events.subscribe("test.flaky")
def flaky(event: events.Event) -> None:
    if failures["left"] > 0:
        failures["left"] -= 1
        raise RuntimeError("downstream is down")
    calls["flaky"] += 1


@events.subscribe("test.flaky")
def steady(event: events.Event) -> None:
    calls["steady"] += 1


@pytest.fixture(autouse=True)
def _reset() -> None:
    calls.clear()
    failures["left"] = 0


@pytest.mark.django_db(transaction=True)
def test_delivered_after_commit_not_before() -> None:
    with transaction.atomic():
        event = events.publish("test.counted", {"n": 1})
        assert calls["1"] == 0  # nothing runs while the transaction may still roll back
    assert calls["1"] == 1
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DELIVERED
    assert event.delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_rolled_back_events_never_happened() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.counted", {"n": 2})
        raise RuntimeError("abort")
    assert calls["2"] == 0
    assert not OutboxEvent.objects.filter(name="test.counted").exists()


@pytest.mark.django_db(transaction=True)
def test_redelivery_changes_nothing() -> None:
    event = events.publish("test.counted", {"n": 3})
    assert events.deliver(event.id)
    OutboxEvent.objects.filter(id=event.id).update(status=OutboxEvent.Status.PENDING)
    assert events.deliver(event.id)
    assert calls["3"] == 1
    assert HandledEvent.objects.filter(event_id=event.id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_failed_handler_is_retried_and_visible() -> None:
    failures["left"] = 1
    event = events.publish("test.flaky", {})
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PENDING
    assert event.attempts == 1
    assert "downstream is down" in event.last_error
    assert "flaky" in event.last_error
    assert calls["steady"] == 1 and calls["flaky"] == 0  # the healthy handler is not held back

    assert events.deliver_due() == 0  # backoff not over yet
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert events.deliver_due() == 1
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DELIVERED
    assert calls["flaky"] == 1 and calls["steady"] == 1  # the healthy one did not run twice


@pytest.mark.django_db(transaction=True)
def test_gives_up_after_max_attempts_then_operator_retries(settings: object) -> None:
    settings.EVENT_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    failures["left"] = 99
    event = events.publish("test.flaky", {})
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        events.deliver_due()
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.FAILED
    assert event.attempts == 2
    assert events.deliver_due() == 0  # failed events wait for a person

    failures["left"] = 0
    assert events.retry_failed([event.id]) == 1
    assert events.deliver_due() == 1
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_celery_mode_queues_delivery(settings: object) -> None:
    settings.TRUSTMART_TASKS_INLINE = False  # type: ignore[attr-defined]
    from trustmart.celery import app

    app.conf.task_always_eager = True
    try:
        event = events.publish("test.counted", {"n": 4})
    finally:
        app.conf.task_always_eager = False
    assert calls["4"] == 1
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.DELIVERED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_run_each_handler_once() -> None:
    event_id = uuid.uuid4()
    OutboxEvent.objects.create(id=event_id, name="test.counted", payload={"n": 5},
                               next_attempt_at=timezone.now())
    barrier = threading.Barrier(8)

    def worker() -> None:
        try:
            barrier.wait()
            events.deliver(event_id)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls["5"] == 1
    assert HandledEvent.objects.filter(event_id=event_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_batch_writes_its_events_in_one_insert_and_delivers_each_after_commit() -> None:
    with transaction.atomic():
        with events.batched():
            events.publish("test.counted", {"n": 1})
            with events.batched():  # a nested block joins the outer one
                events.publish("test.counted", {"n": 2})
            assert not OutboxEvent.objects.exists()  # not written yet
        assert OutboxEvent.objects.count() == 2
        assert calls == Counter()  # and not delivered before the commit
    assert calls == Counter({"1": 1, "2": 1})
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_raises_records_nothing() -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), events.batched():
        events.publish("test.counted", {"n": 1})
        raise RuntimeError("the change failed")
    assert not OutboxEvent.objects.exists() and calls == Counter()
    with pytest.raises(RuntimeError, match="inside a transaction"), events.batched():
        pass  # outside a transaction there is no commit to deliver after


@pytest.mark.django_db(transaction=True)
def test_an_event_nobody_subscribes_to_is_recorded_as_delivered() -> None:
    with transaction.atomic():
        event = events.publish("test.unheard", {"n": 1})
        assert event.status == OutboxEvent.Status.DELIVERED  # written so: no delivery after
    row = OutboxEvent.objects.get(pk=event.pk)
    assert row.status == OutboxEvent.Status.DELIVERED and row.delivered_at is not None
    assert events.deliver_due() == 0
