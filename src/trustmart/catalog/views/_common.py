"""What the catalog's pages share: showing service errors on forms, and the 404 page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error as core_form_error

FIELD_ALIASES = {"price_fen": "price", "options": "specs", "skus": "specs", "upload": "file"}


def form_error(form: forms.Form, exc: DomainError) -> None:
    """The shared helper, with the catalog's service-to-form field names."""
    core_form_error(form, exc, aliases=FIELD_ALIASES)


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
