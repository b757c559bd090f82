"""Domain events: declared types with typed payloads, and a transactional outbox.

Each app declares the events it publishes in its ``events.py``: a payload dataclass (a
``Payload``; fields annotated ``Annotated[type, "what it means"]``) and an ``EventType``
naming it, e.g. ``ORDER_PAID = EventType("order.paid", OrderPaid)``. Publishing goes through a
declaration (``ORDER_PAID.publish(OrderPaid(...))``), so a name nobody declared cannot be
published; ``catalogue()`` lists every declared type with its payload's fields (the webhook
catalogue and JSON schemas are generated from it). Handlers read ``event.data``, the typed
payload (``ORDER_PAID.data(event)`` where the app may import the declaring one). On the wire a
payload is the same JSON object as always, so rows already in the outbox still deliver.

``publish()`` writes the event in the caller's transaction and schedules delivery after commit:
inline in the embedded default, through a Celery task when a broker is configured. Each handler
runs in its own transaction together with a ``HandledEvent`` row, so a redelivered event (a
retry, a second worker, a sweep racing the first delivery) changes nothing. A failing handler is
retried with exponential backoff and, after ``EVENT_MAX_ATTEMPTS``, left ``failed`` for an
operator to see and retry in the admin: never silently dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import traceback
import types
import typing
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import Annotated, Any, Generic, Self, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

# How long an inline or queued delivery owns a fresh event before the sweeper may retry it.
DELIVERY_LEASE = timedelta(seconds=60)


class UnknownEvent(LookupError):
    """An event name that no app declares (in its ``events.py``)."""


# --- payloads ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldInfo:
    """One field of a payload, as the catalogue and the JSON schema describe it."""

    name: str
    type: str
    doc: str
    required: bool


def _unwrap(hint: Any) -> tuple[Any, str]:
    """``Annotated[T, "doc"]`` → (T, "doc")."""
    if typing.get_origin(hint) is Annotated:
        base, *extras = typing.get_args(hint)
        return base, next((e for e in extras if isinstance(e, str)), "")
    return hint, ""


def _type_name(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return " | ".join("None" if a is type(None) else _type_name(a) for a in args)
    if origin is list:
        return f"list[{_type_name(args[0])}]"
    return getattr(hint, "__name__", str(hint))


def _decode(hint: Any, value: Any) -> Any:
    hint, _doc = _unwrap(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _decode(inner, value)
    if origin is list:
        return [_decode(args[0], item) for item in value]
    if isinstance(hint, type) and issubclass(hint, Payload):
        return hint.from_payload(value)
    if hint is datetime:
        return datetime.fromisoformat(value) if isinstance(value, str) else value
    if hint in (int, str, bool) and value is not None:
        return hint(value)
    return value


def _encode(value: Any) -> Any:
    if isinstance(value, Payload):
        return value.to_payload()
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class Payload:
    """Base of every event payload: a frozen dataclass that is a JSON object on the wire.

    Fields are ``Annotated[type, "meaning"]``; types are ``int``, ``str``, ``bool``,
    ``datetime`` (ISO text on the wire), another ``Payload``, ``list[...]`` and ``... | None``.
    A field with a default may be missing from older rows.
    """

    def to_payload(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def hints(cls) -> dict[str, Any]:
        return typing.get_type_hints(cls, include_extras=True)

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Self:
        """The payload from its JSON object; unknown keys are ignored, missing ones refused."""
        hints = cls.hints()
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in data:
                values[f.name] = _decode(hints[f.name], data[f.name])
            elif (f.default is dataclasses.MISSING
                  and f.default_factory is dataclasses.MISSING):
                raise ValueError(f"{cls.__name__}: {f.name!r} is missing")
        return cls(**values)

    @classmethod
    def from_event(cls, event: Event) -> Self:
        return cls.from_payload(event.payload)

    @classmethod
    def fields_info(cls) -> list[FieldInfo]:
        hints = cls.hints()
        info = []
        for f in dataclasses.fields(cls):
            base, doc = _unwrap(hints[f.name])
            required = (f.default is dataclasses.MISSING
                        and f.default_factory is dataclasses.MISSING)
            info.append(FieldInfo(f.name, _type_name(base), doc, required))
        return info

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        """A JSON Schema (draft 2020-12) of the wire form."""
        hints = cls.hints()
        properties = {}
        for f in dataclasses.fields(cls):
            base, doc = _unwrap(hints[f.name])
            properties[f.name] = {**_schema(base), **({"description": doc} if doc else {})}
        return {"type": "object", "title": cls.__name__,
                "description": (cls.__doc__ or "").strip(), "properties": properties,
                "required": [i.name for i in cls.fields_info() if i.required]}


def _schema(hint: Any) -> dict[str, Any]:
    hint, _doc = _unwrap(hint)
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        return {"anyOf": [{"type": "null"} if a is type(None) else _schema(a) for a in args]}
    if origin is list:
        return {"type": "array", "items": _schema(args[0])}
    if isinstance(hint, type) and issubclass(hint, Payload):
        schema = hint.json_schema()
        return {k: v for k, v in schema.items() if k != "title"}
    if hint is datetime:
        return {"type": "string", "format": "date-time"}
    names = {int: "integer", str: "string", bool: "boolean", float: "number"}
    return {"type": names.get(hint, "object")}


# --- declarations ----------------------------------------------------------------------------
P = TypeVar("P", bound=Payload)
_declared: dict[str, EventType[Any]] = {}


class EventType(Generic[P]):
    """A declared event: its name and the type of its payload. Declaring registers it."""

    def __init__(self, name: str, payload: type[P]) -> None:
        existing = _declared.get(name)
        if existing is not None and existing.payload is not payload:
            raise ValueError(f"event {name!r} is already declared with {existing.payload}")
        self.name: str = name
        self.payload: type[P] = payload
        _declared[name] = self

    def __repr__(self) -> str:
        return f"EventType({self.name!r}, {self.payload.__name__})"

    @property
    def doc(self) -> str:
        return (self.payload.__doc__ or "").strip()

    def fields(self) -> list[FieldInfo]:
        return self.payload.fields_info()

    def json_schema(self) -> dict[str, Any]:
        return {"$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": self.name, **self.payload.json_schema()}

    def publish(self, payload: P) -> OutboxEvent:
        """Record the event in the caller's transaction (see ``publish``)."""
        if not isinstance(payload, self.payload):
            raise TypeError(f"{self.name} carries {self.payload.__name__}, "
                            f"not {type(payload).__name__}")
        return _publish(self.name, payload.to_payload())

    def data(self, event: Event) -> P:
        """The typed payload of a delivered event of this type."""
        if event.name != self.name:
            raise ValueError(f"{event.name} is not {self.name}")
        return self.payload.from_payload(event.payload)


def declared(name: str) -> EventType[Any]:
    """The declaration of ``name``, or ``UnknownEvent``."""
    _discover()
    try:
        return _declared[name]
    except KeyError:
        raise UnknownEvent(f"no app declares the event {name!r} (in its events.py)") from None


def catalogue() -> list[EventType[Any]]:
    """Every declared event type, by name: the source of the webhook catalogue."""
    _discover()
    return [_declared[name] for name in sorted(_declared)]


def _discover() -> None:
    """Import every installed app's ``events.py`` (once), so every declaration is known."""
    from django.utils.module_loading import autodiscover_modules

    if not _discovered:
        autodiscover_modules("events")
        _discovered.append(True)


_discovered: list[bool] = []


# --- delivery --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Event:
    id: uuid.UUID
    name: str
    payload: dict[str, Any]
    created_at: datetime

    @cached_property
    def data(self) -> Any:
        """The typed payload, decoded by the event's declaration."""
        return declared(self.name).payload.from_payload(self.payload)


Handler = Callable[[Event], None]
_handlers: dict[str, dict[str, Handler]] = {}


def subscribe(event: str | EventType[Any]) -> Callable[[Handler], Handler]:
    """Register a handler for an event (its type or its name); its dotted path is its identity.

    A lower app subscribes by name to a higher app's event (it may not import the declaring
    module) and reads ``event.data``; ``subscriptions_undeclared()`` finds typos."""
    name = event.name if isinstance(event, EventType) else event

    def register(fn: Handler) -> Handler:
        _handlers.setdefault(name, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return register


def subscriptions_undeclared() -> list[str]:
    """Names some handler subscribes to that no app declares (should be empty)."""
    _discover()
    return sorted(name for name in _handlers if name not in _declared)


def handlers_for(name: str) -> dict[str, Handler]:
    return dict(_handlers.get(name, {}))


# Events published inside ``batched()`` wait here and are written in one INSERT on its exit.
_pending: ContextVar[list[OutboxEvent] | None] = ContextVar("trustmart_pending_events",
                                                             default=None)


def publish(event: EventType[P] | str, payload: P | Mapping[str, Any]) -> OutboxEvent:
    """Record a declared event and deliver it once the transaction commits.

    ``publish(ORDER_PAID, OrderPaid(...))`` is ``ORDER_PAID.publish(...)``. A name and a JSON
    object are accepted only for a declared name, and the object must be a valid payload of
    it; an undeclared name is ``UnknownEvent``. Inside ``batched()`` the row is written when
    the block ends (still in the transaction), together with the block's other events."""
    event_type = event if isinstance(event, EventType) else declared(event)
    if isinstance(payload, Payload):
        return event_type.publish(payload)
    return event_type.publish(event_type.payload.from_payload(payload))


def _publish(name: str, payload: dict[str, Any]) -> OutboxEvent:
    now = timezone.now()
    event = OutboxEvent(name=name, payload=payload, next_attempt_at=now + DELIVERY_LEASE)
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
    for event in events:
        if event.status == OutboxEvent.Status.PENDING:
            event_id = event.id
            transaction.on_commit(lambda event_id=event_id: _enqueue(event_id),  # type: ignore[misc]
                                  robust=True)


def _enqueue(event_id: uuid.UUID) -> None:
    if settings.TRUSTMART_TASKS_INLINE:
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


def deliver_due(limit: int = 200) -> int:
    """Retry events whose lease or backoff has run out. Returns how many were attempted."""
    due = list(
        OutboxEvent.objects.filter(
            status=OutboxEvent.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
    for event_id in due:
        deliver(event_id)
    return len(due)


def retry_failed(event_ids: list[uuid.UUID]) -> int:
    """An operator's "try again" on events that gave up: back to pending, due now."""
    return OutboxEvent.objects.filter(id__in=event_ids, status=OutboxEvent.Status.FAILED).update(
        status=OutboxEvent.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
