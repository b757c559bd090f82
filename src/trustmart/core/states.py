"""State machines: one declared transition table per model and one guarded move.

A status changes only through ``StateMachine.move``: ``UPDATE ... SET status = <to>, <fields>
WHERE pk = <pk> AND status = <from>``. The row count says whether this request won, so two
racing requests (ship vs cancel, two callbacks) produce exactly one winner without holding a
lock. With a ``Timeline`` the move also writes the model's history row in the same transaction.

    ORDER_STATES = StateMachine(Order, transitions={
        Order.Status.AWAITING_PAYMENT: {Order.Status.PAID, Order.Status.CANCELLED}, ...},
        timeline=Timeline(OrderEvent, subject="order"))

    if not ORDER_STATES.move(order, Order.Status.PAID, record={"kind": "paid"}, paid_at=now):
        raise Conflict(...)

``core.testing.assert_state_machine`` checks a machine against real rows: every declared move
wins (and is recorded), every undeclared one is refused, and every status is reachable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Timeline:
    """Where a model's moves are recorded: the history model and how its columns are named.

    ``subject`` is the history model's foreign key to the moved object; ``record`` passed to a
    move fills its other columns (``kind``, ``actor``, ``note``...).
    """

    model: type[models.Model]
    subject: str
    from_field: str = "from_status"
    to_field: str = "to_status"

    def row(self, obj: models.Model, from_status: str, to_status: str,
            record: Mapping[str, Any]) -> models.Model:
        return self.model(**{self.subject: obj, self.from_field: from_status,
                             self.to_field: to_status}, **record)


def _is_expression(value: Any) -> bool:
    return hasattr(value, "resolve_expression")


class StateMachine(Generic[M]):
    """The declared moves of ``model``'s ``field``: ``transitions[from]`` = the allowed tos."""

    def __init__(self, model: type[M], *, transitions: Mapping[str, Iterable[str]],
                 field: str = "status", timeline: Timeline | None = None) -> None:
        self.model = model
        self.field = field
        self.timeline = timeline
        self.transitions: dict[str, frozenset[str]] = {
            str(source): frozenset(str(t) for t in targets)
            for source, targets in transitions.items()}
        self._touches_updated_at = any(f.name == "updated_at"
                                       for f in model._meta.concrete_fields)

    # --- the table -------------------------------------------------------------------------
    def allows(self, from_status: str, to_status: str) -> bool:
        return str(to_status) in self.transitions.get(str(from_status), frozenset())

    def targets(self, from_status: str) -> frozenset[str]:
        """Where an object in ``from_status`` may go (empty for a final status)."""
        return self.transitions.get(str(from_status), frozenset())

    def sources(self, to_status: str) -> frozenset[str]:
        """The statuses from which ``to_status`` may be reached."""
        return frozenset(s for s, tos in self.transitions.items() if str(to_status) in tos)

    def pairs(self) -> list[tuple[str, str]]:
        return sorted((s, t) for s, tos in self.transitions.items() for t in tos)

    def statuses(self) -> list[str]:
        """Every status of the field: its choices, or those the table names."""
        choices = getattr(self.model._meta.get_field(self.field), "choices", None)
        if choices:
            return [str(value) for value, _label in choices]
        named = set(self.transitions) | {t for tos in self.transitions.values() for t in tos}
        return sorted(named)

    # --- moving ----------------------------------------------------------------------------
    def _values(self, to_status: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        values = {self.field: to_status, **fields}
        if self._touches_updated_at and "updated_at" not in values:
            values["updated_at"] = timezone.now()
        return values

    def _guarded_update(self, obj: M, from_status: str, values: Mapping[str, Any]) -> bool:
        return bool(self.model._default_manager.filter(
            pk=obj.pk, **{self.field: from_status}).update(**values))

    def move(self, obj: M, to_status: str, *, record: Mapping[str, Any] | None = None,
             **fields: Any) -> bool:
        """Move ``obj`` from its in-memory status to ``to_status``, setting ``fields`` too.

        False, with nothing written, if the move is not declared or another request moved the
        row first. On success the instance carries the new values (expressions such as
        ``F("attempts") + 1`` are read back) and the timeline row, if any, is written.
        """
        from_status = str(getattr(obj, self.field))
        to_status = str(to_status)
        if not self.allows(from_status, to_status):
            return False
        values = self._values(to_status, fields)
        with transaction.atomic(savepoint=False):  # nothing inside is caught: no savepoint
            if not self._guarded_update(obj, from_status, values):
                return False
            if self.timeline is not None:
                self.timeline.row(obj, from_status, to_status, record or {}).save()
        self._apply(obj, values)
        return True

    def move_many(self, objs: Iterable[M], to_status: str, *,
                  fields: Callable[[M], Mapping[str, Any]] | None = None,
                  record: Mapping[str, Any] | Callable[[M], Mapping[str, Any]] | None = None,
                  ) -> bool:
        """Move several objects in the caller's transaction: one guarded UPDATE each and one
        INSERT for all their timeline rows. False, with no timeline written, unless every
        object moved; the caller then raises so that its transaction rolls back the others."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("move_many must run inside a transaction")
        to_status = str(to_status)
        moved: list[tuple[M, str, dict[str, Any]]] = []
        for obj in objs:
            from_status = str(getattr(obj, self.field))
            if not self.allows(from_status, to_status):
                return False
            values = self._values(to_status, fields(obj) if fields else {})
            if not self._guarded_update(obj, from_status, values):
                return False
            moved.append((obj, from_status, values))
        if self.timeline is not None and moved:
            timeline = self.timeline
            timeline.model._default_manager.bulk_create([
                timeline.row(obj, from_status, to_status,
                             (record(obj) if callable(record) else record) or {})
                for obj, from_status, _values in moved])
        for obj, _from_status, values in moved:
            self._apply(obj, values)
        return True

    def move_all(self, objs: Sequence[M], to_status: str, *, from_status: str,
                 **fields: Any) -> int:
        """Move many objects that all stand in ``from_status`` with one set-based UPDATE
        (``WHERE pk IN (...) AND status = <from>``), no timeline. Returns how many moved; the
        caller decides what fewer than all means (usually: raise, so its transaction rolls
        back). Plain values only: the instances are given them without a read back."""
        if not self.allows(from_status, to_status):
            return 0
        if not objs:
            return 0
        values = self._values(str(to_status), fields)
        won = self.model._default_manager.filter(
            pk__in=[obj.pk for obj in objs], **{self.field: from_status}).update(**values)
        if won == len(objs):
            for obj in objs:
                self._apply(obj, values)
        return won

    def _apply(self, obj: M, values: Mapping[str, Any]) -> None:
        computed = [name for name, value in values.items() if _is_expression(value)]
        for name, value in values.items():
            if name not in computed:
                setattr(obj, name, value)
        if computed:
            obj.refresh_from_db(fields=computed)
