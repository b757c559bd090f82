"""What the merchant pages share: the 404 page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)
