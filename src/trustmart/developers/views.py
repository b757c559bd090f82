"""H5 pages of the open platform: the public developer page and the merchant's console.

Thin like the API: each view calls the same services and selectors. A new secret is rendered
in the response to the POST that made it (never put in a URL or a session) and not again.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import NotFound
from trustmart.core.http import domain_errors
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_for_staff, merchant_staff_role, merchants_of_user

from . import catalogue, selectors, services
from .scopes import SCOPES

VERIFY_SAMPLE = '''from standardwebhooks import Webhook, WebhookVerificationError

webhook = Webhook("whsec_...")  # the endpoint's signing secret
seen = set()  # in production: a table with a unique webhook-id


def receive(body: bytes, headers: dict[str, str]) -> int:
    try:
        event = webhook.verify(body, headers)  # signature and timestamp (5 minutes)
    except WebhookVerificationError:
        return 400
    if headers["webhook-id"] in seen:  # a retry of what we already have
        return 200
    seen.add(headers["webhook-id"])
    handle(event["type"], event["resource"]["sequence"], event["data"])
    return 200
'''

VERIFY_BY_HAND = '''import base64, hashlib, hmac, time

def verify(secret: str, body: bytes, headers: dict[str, str]) -> bool:
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > 300:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, sig.partition(",")[2])
               for sig in headers["webhook-signature"].split())
'''


def docs(request: HttpRequest) -> HttpResponse:
    operations = selectors.scoped_operations()
    events = [{"event": e, "schema": json.dumps(e.schema(), ensure_ascii=False, indent=2),
               "example": json.dumps(e.example_body(), ensure_ascii=False, indent=2)}
              for e in catalogue.public_events()]
    return render(request, "developers/docs.html", {
        "scopes": [{"name": name, "text": text, "operations": operations.get(name, [])}
                   for name, text in SCOPES.items()],
        "events": events, "sample": VERIFY_SAMPLE, "by_hand": VERIFY_BY_HAND,
    })


# --- the console ------------------------------------------------------------------------------
def _merchant(request: HttpRequest) -> Merchant:
    """The merchant named by ``?merchant=`` (or a posted ``merchant``), else the user's first;
    NotFound for one the user does not work for, or none."""
    raw = request.POST.get("merchant") or request.GET.get("merchant")
    if raw:
        if not raw.isdigit():
            raise NotFound()
        return merchant_for_staff(user=request.user, merchant_id=int(raw))
    merchant = merchants_of_user(user=request.user).first()
    if merchant is None:
        raise NotFound()
    return merchant


def _console_url(request: HttpRequest, **_kwargs: object) -> str:
    return f"{reverse('developers:console')}?merchant={request.POST.get('merchant', '')}"


def _console(request: HttpRequest, merchant: Merchant, **extra: Any) -> HttpResponse:
    return render(request, "developers/console.html", {
        "merchant": merchant, "merchants": merchants_of_user(user=request.user),
        "is_owner": merchant_staff_role(user=request.user, merchant=merchant) == "owner",
        "apps": selectors.apps_visible(user=request.user).filter(merchant=merchant),
        "endpoints": selectors.endpoints_visible(user=request.user).filter(merchant=merchant),
        "notices": selectors.notices_for_user(user=request.user),
        "scopes": SCOPES.items(), "event_types": sorted(catalogue.subscribable_names()),
        **extra,
    })


@login_required
@domain_errors
def console(request: HttpRequest) -> HttpResponse:
    return _console(request, _merchant(request))


@login_required
@require_POST
@domain_errors(redirect_to=_console_url)
def app_create(request: HttpRequest) -> HttpResponse:
    merchant = _merchant(request)
    app, secret = services.app_register(
        user=request.user, merchant_id=merchant.pk, name=request.POST.get("name", ""),
        description=request.POST.get("description", ""), scopes=request.POST.getlist("scopes"))
    return _console(request, merchant, new_app=app, new_secret=secret)


def _app_page(request: HttpRequest, app_id: int, **extra: Any) -> HttpResponse:
    app = selectors.app_for_viewer(user=request.user, app_id=app_id)
    return render(request, "developers/app.html", {
        "app": app, "calls": selectors.api_calls_of_app(app=app)[:50],
        "scopes": [(name, SCOPES.get(name, "")) for name in app.scopes], **extra})


@login_required
@domain_errors
def app_detail(request: HttpRequest, app_id: int) -> HttpResponse:
    return _app_page(request, app_id)


@login_required
@require_POST
@domain_errors(redirect_to="developers:app", url_kwargs=("app_id",))
def app_action(request: HttpRequest, app_id: int, action: str) -> HttpResponse:
    if action == "rotate":
        _app, secret = services.app_secret_rotate(user=request.user, app_id=app_id,
                                                  overlap_hours=24)
        return _app_page(request, app_id, new_secret=secret)
    if action != "revoke":
        raise NotFound()
    services.app_revoke(user=request.user, app_id=app_id)
    messages.success(request, _("The app was revoked."))
    return redirect("developers:app", app_id=app_id)


@login_required
@require_POST
@domain_errors(redirect_to=_console_url)
def endpoint_create(request: HttpRequest) -> HttpResponse:
    merchant = _merchant(request)
    endpoint, secret = services.endpoint_create(
        user=request.user, merchant_id=merchant.pk, url=request.POST.get("url", ""),
        event_types=request.POST.getlist("event_types"),
        description=request.POST.get("description", ""))
    return _endpoint_page(request, endpoint.pk, new_secret=secret)


def _endpoint_page(request: HttpRequest, endpoint_id: int, **extra: Any) -> HttpResponse:
    endpoint = selectors.endpoint_for_viewer(user=request.user, endpoint_id=endpoint_id)
    deliveries = list(selectors.deliveries_of_endpoint(endpoint=endpoint)[:50])
    for delivery in deliveries[:10]:  # the latest attempts of the latest deliveries
        delivery.recent = list(selectors.delivery_log(delivery=delivery)[:3])  # type: ignore[attr-defined]
    return render(request, "developers/endpoint.html", {
        "endpoint": endpoint, "deliveries": deliveries,
        "since_default": (timezone.localtime() - timedelta(days=1)).strftime(
            "%Y-%m-%dT%H:%M"), **extra})


@login_required
@domain_errors
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> HttpResponse:
    return _endpoint_page(request, endpoint_id)


def _when(raw: str) -> datetime | None:
    parsed = parse_datetime(raw) if raw else None
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@login_required
@require_POST
@domain_errors(redirect_to="developers:endpoint", url_kwargs=("endpoint_id",))
def endpoint_action(request: HttpRequest, endpoint_id: int, action: str) -> HttpResponse:
    user = request.user
    if action == "test":
        services.endpoint_test_send(user=user, endpoint_id=endpoint_id)
        messages.success(request, _("A test message is on its way; refresh in a moment."))
    elif action == "replay":
        since = _when(request.POST.get("since", ""))
        if since is None:
            messages.error(request, _("Choose when the range starts."))
        else:
            queued = services.deliveries_replay(user=user, endpoint_id=endpoint_id, since=since,
                                                until=_when(request.POST.get("until", "")))
            messages.success(request, _("%(n)s messages will be sent again.") % {"n": queued})
    elif action in ("pause", "resume"):
        services.endpoint_update(user=user, endpoint_id=endpoint_id,
                                 status="paused" if action == "pause" else "active")
    elif action == "rotate":
        _endpoint, secret = services.endpoint_secret_rotate(user=user, endpoint_id=endpoint_id)
        return _endpoint_page(request, endpoint_id, new_secret=secret)
    else:
        raise NotFound()
    return redirect("developers:endpoint", endpoint_id=endpoint_id)


@login_required
@require_POST
@domain_errors
def delivery_replay(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = services.delivery_replay(user=request.user, delivery_id=delivery_id)
    messages.success(request, _("The delivery will be sent again."))
    return redirect("developers:endpoint", endpoint_id=delivery.endpoint_id)
