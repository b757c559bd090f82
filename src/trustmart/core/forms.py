"""Form pieces every H5 page shares: a service's DomainError on the form, amounts in yuan,
and rates typed in percent and kept in basis points."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .money import format_fen, parse_yuan


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
    (``price_fen`` → ``price``). A not-found error belongs on no form: it is raised again, for
    ``core.http.domain_errors`` to answer with the 404 page.
    """
    if exc.status == 404:
        raise exc
    placed = False
    for field, field_messages in exc.fields.items():
        name = field if field in form.fields else (aliases or {}).get(field, "")
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


class YuanField(forms.CharField):
    """An amount typed in yuan ("12.50", "¥12.5"), cleaned to integer fen (1250).

    Empty is ``None`` (with ``required=False``). More than two decimals is refused, never
    rounded. ``min_fen``/``max_fen`` bound the amount; the message shows the bound as ``¥12.34``.
    An ``int`` initial value is shown back in yuan (``1250`` → ``12.50``).
    """

    default_error_messages = {
        "invalid_amount": _("Enter an amount in yuan, like 12.50."),
        "min_fen": _("Enter at least %(limit)s."),
        "max_fen": _("Enter at most %(limit)s."),
    }

    def __init__(self, *, min_fen: int | None = None, max_fen: int | None = None,
                 **kwargs: Any) -> None:
        self.min_fen, self.max_fen = min_fen, max_fen
        kwargs.setdefault("max_length", 16)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_fen(value, symbol="")
        return value

    def clean(self, value: Any) -> int | None:
        text = super().clean(value)  # required and length checks run on what was typed
        if not text:
            return None
        try:
            fen = parse_yuan(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid_amount"],
                                        code="invalid_amount") from None
        if self.min_fen is not None and fen < self.min_fen:
            raise forms.ValidationError(self.error_messages["min_fen"], code="min_fen",
                                        params={"limit": format_fen(self.min_fen)})
        if self.max_fen is not None and fen > self.max_fen:
            raise forms.ValidationError(self.error_messages["max_fen"], code="max_fen",
                                        params={"limit": format_fen(self.max_fen)})
        return fen
