"""Domain events with a transactional outbox.

``publish()`` writes the event in the caller's transaction. Who delivers it is the setting
``TRUSTMART_EVENT_DELIVERY``: "inline" (the embedded default) delivers right after commit in the
publishing process; "celery" sends a Celery task after commit; "worker" leaves the row due for
``trustmart worker`` (and, on PostgreSQL, NOTIFYs the workers at commit to wake them). Workers
and the retry sweep claim due events with a lease first (``events_claim_due``), so two of them
do not work on one event at once. Each handler
runs in its own transaction together with a ``HandledEvent`` row, so a redelivered event (a
retry, a second worker, a sweep racing the first delivery) changes nothing. A failing handler is
retried with exponential backoff and, after ``EVENT_MAX_ATTEMPTS``, left ``failed`` for an
operator to see and retry in the admin: never silently dropped.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

# How long an inline or queued delivery owns a fresh event before the sweeper may retry it.
DELIVERY_LEASE = timedelta(seconds=60)
# How long a worker's (or the sweep's) claim on a batch of due events holds.
CLAIM_LEASE = timedelta(seconds=30)
# The PostgreSQL channel a worker LISTENs on; publish() NOTIFYs it in worker mode.
NOTIFY_CHANNEL = "trustmart_outbox"


@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    name: str
    payload: dict[str, Any]
    created_at: datetime


Handler = Callable[[Event], None]
_handlers: dict[str, dict[str, Handler]] = {}


def subscribe(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for events called ``name``; its dotted path is its identity."""

    def register(fn: Handler) -> Handler:
        _handlers.setdefault(name, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return register


def handlers_for(name: str) -> dict[str, Handler]:
    return dict(_handlers.get(name, {}))


# Events published inside ``batched()`` wait here and are written in one INSERT on its exit.
_pending: ContextVar[list[OutboxEvent] | None] = ContextVar("trustmart_pending_events",
                                                             default=None)


def publish(name: str, payload: dict[str, Any]) -> OutboxEvent:
    """Record ``name`` with a JSON ``payload`` and deliver it once the transaction commits.

    Inside ``batched()`` the row is written when the block ends (still in the transaction),
    together with the block's other events."""
    now = timezone.now()
    # Delivered by a worker: due at once. Otherwise the after-commit delivery owns it for a while.
    due = now if settings.TRUSTMART_EVENT_DELIVERY == "worker" else now + DELIVERY_LEASE
    event = OutboxEvent(name=name, payload=payload, next_attempt_at=due)
    if not _handlers.get(name):
        # Nobody subscribes: recorded (for the record and for later consumers), delivered.
        event.status, event.delivered_at = OutboxEvent.Status.DELIVERED, now
    pending = _pending.get()
    if pending is not None:
        pending.append(event)
        return event
    event.save(force_insert=True)
    _deliver_after_commit([event])
    return event


@contextlib.contextmanager
def batched() -> Iterator[None]:
    """Write every event published in the block with one INSERT when it ends.

    Use it inside the transaction that publishes several events (a payment that pays many
    orders): they are recorded in that transaction exactly as ``publish`` alone would, only in
    one statement. If the block raises, its events are dropped with the transaction's other
    writes. Nested blocks join the outermost one."""
    if _pending.get() is not None:
        yield
        return
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.batched() must run inside a transaction")
    events: list[OutboxEvent] = []
    token = _pending.set(events)
    try:
        yield
    finally:
        _pending.reset(token)
    if events:
        OutboxEvent.objects.bulk_create(events)
        _deliver_after_commit(events)


def _deliver_after_commit(events: list[OutboxEvent]) -> None:
    pending = [event.id for event in events if event.status == OutboxEvent.Status.PENDING]
    if not pending:
        return
    if settings.TRUSTMART_EVENT_DELIVERY == "worker":
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # sent when the transaction commits
                cursor.execute(f"NOTIFY {NOTIFY_CHANNEL}")
        return
    for event_id in pending:
        transaction.on_commit(lambda event_id=event_id: _enqueue(event_id),  # type: ignore[misc]
                              robust=True)


def _enqueue(event_id: uuid.UUID) -> None:
    if settings.TRUSTMART_EVENT_DELIVERY == "inline":
        deliver(event_id)
    else:
        from .tasks import deliver_event

        deliver_event.delay(str(event_id))


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.EVENT_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def deliver(event_id: uuid.UUID | str) -> bool:
    """Run every handler that has not yet consumed the event. True when all have."""
    event_row = OutboxEvent.objects.filter(id=event_id).first()
    if event_row is None or event_row.status == OutboxEvent.Status.DELIVERED:
        return event_row is not None
    event = Event(event_row.id, event_row.name, event_row.payload, event_row.created_at)
    errors: list[str] = []
    for key, fn in handlers_for(event.name).items():
        try:
            _run_handler(event, key, fn)
        except Exception:
            logger.exception("event handler %s failed on %s %s", key, event.name, event.id)
            errors.append(f"{key}:\n{traceback.format_exc(limit=8)}")
    now = timezone.now()
    if not errors:
        OutboxEvent.objects.filter(id=event.id).exclude(
            status=OutboxEvent.Status.DELIVERED
        ).update(status=OutboxEvent.Status.DELIVERED, delivered_at=now, last_error="")
        return True
    attempts = event_row.attempts + 1
    gave_up = attempts >= settings.EVENT_MAX_ATTEMPTS
    OutboxEvent.objects.filter(id=event.id).update(
        attempts=attempts,
        status=OutboxEvent.Status.FAILED if gave_up else OutboxEvent.Status.PENDING,
        next_attempt_at=now + _backoff(attempts),
        last_error="\n".join(errors)[-8000:],
    )
    return False


def _run_handler(event: Event, key: str, fn: Handler) -> None:
    if HandledEvent.objects.filter(event_id=event.id, handler=key).exists():
        return
    with transaction.atomic():
        try:
            with transaction.atomic():
                HandledEvent.objects.create(event_id=event.id, handler=key)
        except IntegrityError:
            return  # another delivery of the same event got here first
        fn(event)


def events_claim_due(*, limit: int, lease: timedelta = CLAIM_LEASE) -> list[uuid.UUID]:
    """Claim up to ``limit`` pending events that are due: their ``next_attempt_at`` moves
    ``lease`` ahead, so no other worker or sweep takes them meanwhile.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so concurrent claimers take disjoint batches without
    waiting for each other. SQLite: the IMMEDIATE transaction serializes claimers. A claimer that
    dies leaves its events to come due again when the lease runs out."""
    now = timezone.now()
    due = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING, next_attempt_at__lte=now)
    if not due.exists():  # the usual answer, found without a write transaction
        return []
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("next_attempt_at")
            .values_list("id", flat=True)[:limit]
        )
        if ids:
            OutboxEvent.objects.filter(id__in=ids).update(next_attempt_at=now + lease)
    return ids


def events_release(event_ids: list[uuid.UUID]) -> int:
    """Give claimed events back undelivered (a worker shutting down): due again now."""
    return OutboxEvent.objects.filter(id__in=event_ids, status=OutboxEvent.Status.PENDING).update(
        next_attempt_at=timezone.now())


def events_outstanding() -> bool:
    """Whether some pending event is due now or waits for a live claim or a first delivery
    (not only for a retry backoff after a failed handler)."""
    return OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING).filter(
        Q(next_attempt_at__lte=timezone.now()) | Q(attempts=0)).exists()


def deliver_due(limit: int = 200) -> int:
    """Claim and deliver events whose lease or backoff has run out. Returns how many were
    attempted."""
    due = events_claim_due(limit=limit)
    for event_id in due:
        deliver(event_id)
    return len(due)


def retry_failed(event_ids: list[uuid.UUID]) -> int:
    """An operator's "try again" on events that gave up: back to pending, due now."""
    return OutboxEvent.objects.filter(id__in=event_ids, status=OutboxEvent.Status.FAILED).update(
        status=OutboxEvent.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
