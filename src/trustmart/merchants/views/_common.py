"""What the merchant pages share: error placement and the 404 page."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from trustmart.core.errors import DomainError


def form_error(form: forms.Form, exc: DomainError) -> None:
    """Put a service error next to the field it concerns, or on top of the form."""
    placed = False
    for field, field_messages in exc.fields.items():
        if field in form.fields:
            for message in field_messages:
                form.add_error(field, message)
            placed = True
    if not placed:
        form.add_error(None, str(exc.message))


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)
