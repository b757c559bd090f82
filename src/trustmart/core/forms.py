"""Form helpers shared by the H5 pages: a service's DomainError on the form that led to it,
and the field that takes a rate in percent and gives basis points."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import DomainError


def bps_to_percent_text(bps: int) -> str:
    """3000 → "30", 1250 → "12.5", 5 → "0.05": plain digits, never an exponent ("3E+1")."""
    return format((Decimal(bps) / 100).normalize(), "f")


class PercentField(forms.DecimalField):
    """A rate typed in percent ("12.5") and cleaned to whole basis points (1250).

    At most two decimals (a basis point is 0.01%), between ``min_bps`` and ``max_bps``
    (0 and 100% by default); a stored rate is shown back as plain percent digits.
    """

    def __init__(self, *, min_bps: int = 0, max_bps: int = 10_000, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 5)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal(min_bps) / 100)
        kwargs.setdefault("max_value", Decimal(max_bps) / 100)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        kwargs.setdefault("error_messages", {"invalid": _("Enter a percentage, like 12.5.")})
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return bps_to_percent_text(value)
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return value

    def clean(self, value: Any) -> int | None:
        percent = super().clean(value)
        return None if percent is None else int(percent * 100)


def form_error(form: forms.Form, exc: DomainError, *,
               aliases: Mapping[str, str] | None = None) -> None:
    """Put a service error next to the field it concerns, or on top of the form.

    ``aliases`` maps a service's field name to the form's where they differ
    (``price_fen`` → ``price``).
    """
    placed = False
    for field, field_messages in exc.fields.items():
        name = field if field in form.fields else (aliases or {}).get(field, "")
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))
