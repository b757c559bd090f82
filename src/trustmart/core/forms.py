"""Showing a service's DomainError on the H5 form that led to it."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms

from .errors import DomainError


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
