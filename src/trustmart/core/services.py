"""Writes every app shares: a partial update of one row that touches only what changed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .errors import InvalidInput

M = TypeVar("M", bound=models.Model)


def _constraint_partners(opts: Any, names: set[str]) -> set[str]:
    """Fields that share a unique constraint with a changed one (so the constraint is checked)."""
    partners: set[str] = set()
    groups = [tuple(getattr(c, "fields", ()) or ()) for c in opts.constraints]
    for group in [*groups, *opts.unique_together]:
        if names & set(group):
            partners |= set(group)
    return partners


def model_update(instance: M, *, data: Mapping[str, Any],
                 fields: Iterable[str]) -> tuple[M, bool]:
    """Set those of ``fields`` that ``data`` holds and that differ, validate them, save them.

    Only changed attributes are set, validated (``full_clean`` of those fields, constraints
    included) and written with ``save(update_fields=...)``, plus ``updated_at`` when the model
    has one. A field may be named by its attribute (``category_id``). Returns the instance and
    whether anything changed; nothing is written when nothing changed. A validation failure is
    ``InvalidInput`` with the messages per field, and leaves the instance as it was.
    """
    opts = instance._meta
    changed: dict[str, str] = {}  # attribute → field name
    before: dict[str, Any] = {}
    for attribute in fields:
        if attribute not in data:
            continue
        field = opts.get_field(attribute)
        if getattr(instance, attribute) != data[attribute]:
            before[attribute] = getattr(instance, attribute)
            setattr(instance, attribute, data[attribute])
            changed[attribute] = field.name
    if not changed:
        return instance, False
    names = set(changed.values())
    checked = names | _constraint_partners(opts, names)
    try:
        instance.full_clean(exclude=[f.name for f in opts.concrete_fields
                                     if f.name not in checked])
    except ValidationError as exc:
        for attribute, value in before.items():
            setattr(instance, attribute, value)
        raise InvalidInput(fields={k: [str(m) for m in v]
                                   for k, v in exc.message_dict.items()}) from exc
    update_fields = sorted(names)
    if any(f.name == "updated_at" for f in opts.concrete_fields) and "updated_at" not in names:
        updated_at = opts.get_field("updated_at")
        if not getattr(updated_at, "auto_now", False):
            instance.updated_at = timezone.now()  # type: ignore[attr-defined]
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    return instance, True
