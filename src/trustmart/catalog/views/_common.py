"""What the catalog's pages share: showing service errors on forms, and the 404 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trustmart.core.errors import DomainError, NotFound


def form_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service error next to the field it concerns, or on top of the form."""
    aliases = {"price_fen": "price", "options": "specs", "skus": "specs", "upload": "file"}
    placed = False
    for field, field_messages in exc.fields.items():
        name = field if field in form.fields else aliases.get(field, "")
        if name in form.fields:
            for message in field_messages:
                form.add_error(name, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


def not_found_on_missing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render the 404 page when a selector says the object does not exist (for this user)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return not_found(request)

    return wrapper


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None
