"""What the catalog's pages share: showing service errors on forms with its field names.

The 404 page for a missing (or someone else's) object is ``core.http.domain_errors``.
"""

from __future__ import annotations

from django import forms

from trustmart.core.errors import DomainError
from trustmart.core.forms import form_error as core_form_error

FIELD_ALIASES = {"price_fen": "price", "options": "specs", "skus": "specs", "upload": "file"}


def form_error(form: forms.Form, exc: DomainError) -> None:
    """The shared helper, with the catalog's service-to-form field names."""
    core_form_error(form, exc, aliases=FIELD_ALIASES)


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
