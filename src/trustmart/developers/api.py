"""REST endpoints of the open platform. Thin: parse, call one service or selector, return.

``oauth_router`` (mounted at /api/oauth) is the token endpoint of the client-credentials grant;
its answers follow RFC 6749 (``{"error": ..., "error_description": ...}``) so that any OAuth
client library understands them. ``router`` (at /api/developers) manages apps, endpoints and
deliveries: apps by people (a session or a user token), endpoints also by an app's token with
``webhooks:manage``.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Form, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import app_or_user, token_or_session
from trustmart.core import ratelimit

from . import catalogue, selectors, services
from .models import ApiCall, Delivery, DeliveryAttempt, DeveloperApp, WebhookEndpoint
from .scopes import SCOPES

oauth_router = Router(tags=["developers: OAuth"])
router = Router(tags=["developers"])
MANAGE = app_or_user("webhooks:manage")


# --- schemas ---------------------------------------------------------------------------------
class OAuthTokenOut(Schema):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class OAuthErrorOut(Schema):
    error: str
    error_description: str


class DeveloperScopeOut(Schema):
    name: str
    description: str


class WebhookEventTypeOut(Schema):
    name: str
    version: int
    summary: str
    resource: str
    body_schema: dict[str, Any]
    example: dict[str, Any]


class DeveloperAppIn(Schema):
    merchant_id: int | None = None
    name: str
    description: str = ""
    scopes: list[str]


class DeveloperAppPatch(Schema):
    name: str | None = None
    description: str | None = None
    scopes: list[str] | None = None
    rate_limit_per_minute: int | None = None


class DeveloperAppOut(Schema):
    id: int
    merchant_id: int | None
    name: str
    description: str
    client_id: str
    scopes: list[str]
    status: str
    rate_limit_per_minute: int
    created_at: datetime
    secret_prefixes: list[str]

    @staticmethod
    def resolve_secret_prefixes(obj: DeveloperApp) -> list[str]:
        return [f"{s.prefix}…" for s in obj.secrets.all()]


class DeveloperAppCreatedOut(DeveloperAppOut):
    client_secret: str  # shown this once


class DeveloperSecretRotateIn(Schema):
    overlap_hours: int = 24


class DeveloperApiCallOut(Schema):
    method: str
    path: str
    scope: str
    status_code: int
    latency_ms: int
    created_at: datetime


class WebhookEndpointIn(Schema):
    merchant_id: int | None = None
    url: str
    event_types: list[str]
    description: str = ""


class WebhookEndpointPatch(Schema):
    url: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    status: str | None = None


class WebhookEndpointOut(Schema):
    id: int
    merchant_id: int | None
    app_id: int | None
    url: str
    description: str
    event_types: list[str]
    status: str
    consecutive_failures: int
    circuit_open_until: datetime | None
    failing_since: datetime | None
    last_success_at: datetime | None
    created_at: datetime


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    secret: str  # whsec_…


class WebhookSecretOut(Schema):
    secrets: list[str]  # newest first; all of them sign while the overlap lasts


class WebhookDeliveryOut(Schema):
    id: int
    msg_id: str
    event_type: str
    sequence: int
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    created_at: datetime
    succeeded_at: datetime | None

    @staticmethod
    def resolve_msg_id(obj: Delivery) -> str:
        return obj.message.msg_id

    @staticmethod
    def resolve_event_type(obj: Delivery) -> str:
        return obj.message.event_type

    @staticmethod
    def resolve_sequence(obj: Delivery) -> int:
        return obj.message.sequence


class WebhookDeliveryAttemptOut(Schema):
    number: int
    url: str
    request_headers: dict[str, str]
    status_code: int | None
    response_body: str
    error: str
    latency_ms: int
    succeeded: bool
    created_at: datetime


class WebhookDeliveryDetailOut(WebhookDeliveryOut):
    body: str
    log: list[WebhookDeliveryAttemptOut]

    @staticmethod
    def resolve_body(obj: Delivery) -> str:
        return obj.message.body

    @staticmethod
    def resolve_log(obj: Delivery) -> list[DeliveryAttempt]:
        return list(selectors.delivery_log(delivery=obj))


class WebhookReplayIn(Schema):
    since: datetime
    until: datetime | None = None


class WebhookReplayOut(Schema):
    queued: int


# --- OAuth 2.0 token endpoint ------------------------------------------------------------------
def _oauth_error(error: str, description: str, *, status: int = 400,
                 basic: bool = False) -> HttpResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"], response["Pragma"] = "no-store", "no-cache"
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="TrustMart"' if basic else "Bearer"
    return response


def _basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: HTTP Basic with the form-urlencoded client id and secret."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _colon, client_secret = decoded.partition(":")
    return unquote_plus(client_id), unquote_plus(client_secret)


@oauth_router.post("/token", auth=None, response={200: OAuthTokenOut, 400: OAuthErrorOut,
                                                   401: OAuthErrorOut},
                   summary="OAuth 2.0 client credentials grant (RFC 6749 §4.4)")
def oauth_token(request: HttpRequest, grant_type: Form[str] = "", scope: Form[str] = "",
                client_id: Form[str] = "", client_secret: Form[str] = "") -> HttpResponse:
    """Send `grant_type=client_credentials` (form-encoded) with the client id and secret in
    HTTP Basic or in the form, optionally `scope` (space-delimited, a subset of the app's)."""
    basic = _basic_credentials(request)
    if basic is not None and (client_id or client_secret):
        return _oauth_error("invalid_request", _("Send the client credentials one way only."))
    if grant_type != "client_credentials":
        return _oauth_error("unsupported_grant_type",
                            _("Only grant_type=client_credentials is supported."))
    cid, secret = basic if basic is not None else (client_id, client_secret)
    try:
        ratelimit.hit(f"developers:oauth:{cid[:40]}", limit=60, window_seconds=60)
        grant = services.token_issue(client_id=cid, client_secret=secret, scope=scope or None)
    except services.OAuthError as exc:
        return _oauth_error(exc.error, exc.description, status=exc.status,
                            basic=basic is not None)
    response = JsonResponse({"access_token": grant.access_token, "token_type": "Bearer",
                             "expires_in": grant.expires_in, "scope": " ".join(grant.scopes)})
    response["Cache-Control"], response["Pragma"] = "no-store", "no-cache"
    return response


# --- the catalogue (public) ------------------------------------------------------------------
@router.get("/scopes", response=list[DeveloperScopeOut], auth=None, summary="Every scope")
def scope_list(request: HttpRequest) -> list[DeveloperScopeOut]:
    return [DeveloperScopeOut(name=name, description=str(text)) for name, text in SCOPES.items()]


def _event_out(event: catalogue.EventType) -> WebhookEventTypeOut:
    return WebhookEventTypeOut(name=event.name, version=event.version, summary=str(event.summary),
                               resource=event.resource, body_schema=event.schema(),
                               example=event.example_body())


@router.get("/events", response=list[WebhookEventTypeOut], auth=None,
            summary="The webhook event catalogue: JSON Schema and an example of each type")
def event_list(request: HttpRequest) -> list[WebhookEventTypeOut]:
    return [_event_out(event) for event in catalogue.public_events()]


# --- apps (people only) ---------------------------------------------------------------------
def _created(app: DeveloperApp, secret: str) -> DeveloperAppCreatedOut:
    app.client_secret = secret  # type: ignore[attr-defined]
    return DeveloperAppCreatedOut.from_orm(app)


@router.post("/apps", response={201: DeveloperAppCreatedOut}, auth=token_or_session,
             summary="Register an app for a merchant (its owner) or, without merchant_id, for "
                     "the platform (operators); the client secret is shown once")
def app_create(request: HttpRequest, payload: DeveloperAppIn) -> Status[DeveloperAppCreatedOut]:
    app, secret = services.app_register(user=request.user, merchant_id=payload.merchant_id,
                                        name=payload.name, description=payload.description,
                                        scopes=payload.scopes)
    return Status(201, _created(app, secret))


@router.get("/apps", response=list[DeveloperAppOut], auth=token_or_session,
            summary="The apps of my merchants (operators: and the platform's)")
def app_list(request: HttpRequest) -> QuerySet[DeveloperApp]:
    return selectors.apps_visible(user=request.user)


@router.get("/apps/{app_id}", response=DeveloperAppOut, auth=token_or_session)
def app_detail(request: HttpRequest, app_id: int) -> DeveloperApp:
    return selectors.app_for_viewer(user=request.user, app_id=app_id)


@router.patch("/apps/{app_id}", response=DeveloperAppOut, auth=token_or_session,
              summary="Rename, describe, change scopes (ends current tokens) or the rate limit")
def app_patch(request: HttpRequest, app_id: int, payload: DeveloperAppPatch) -> DeveloperApp:
    return services.app_update(user=request.user, app_id=app_id,
                               **payload.dict(exclude_unset=True))


@router.post("/apps/{app_id}/secret", response=DeveloperAppCreatedOut, auth=token_or_session,
             summary="Rotate the client secret; the old one works for overlap_hours more")
def app_secret_rotate(request: HttpRequest, app_id: int,
                      payload: DeveloperSecretRotateIn) -> DeveloperAppCreatedOut:
    app, secret = services.app_secret_rotate(user=request.user, app_id=app_id,
                                             overlap_hours=payload.overlap_hours)
    return _created(app, secret)


@router.post("/apps/{app_id}/revoke", response=DeveloperAppOut, auth=token_or_session,
             summary="Revoke the app: its tokens and secrets stop working at once")
def app_revoke(request: HttpRequest, app_id: int) -> DeveloperApp:
    return services.app_revoke(user=request.user, app_id=app_id)


@router.get("/apps/{app_id}/calls", response=list[DeveloperApiCallOut], auth=token_or_session,
            summary="The app's API calls (audit trail), newest first")
@paginate
def app_calls(request: HttpRequest, app_id: int) -> QuerySet[ApiCall]:
    app = selectors.app_for_viewer(user=request.user, app_id=app_id)
    return selectors.api_calls_of_app(app=app)


# --- webhook endpoints ------------------------------------------------------------------------
@router.get("/endpoints", response=list[WebhookEndpointOut], auth=MANAGE,
            summary="Webhook endpoints (an app: its own; a person: their merchants')")
def endpoint_list(request: HttpRequest) -> QuerySet[WebhookEndpoint]:
    return selectors.endpoints_visible(user=request.user)


@router.post("/endpoints", response={201: WebhookEndpointCreatedOut}, auth=MANAGE,
             summary="Subscribe an https URL to event types; the signing secret is returned")
def endpoint_create(request: HttpRequest,
                    payload: WebhookEndpointIn) -> Status[WebhookEndpointCreatedOut]:
    endpoint, secret = services.endpoint_create(
        user=request.user, merchant_id=payload.merchant_id, url=payload.url,
        event_types=payload.event_types, description=payload.description)
    return Status(201, WebhookEndpointCreatedOut(
        **WebhookEndpointOut.from_orm(endpoint).dict(), secret=secret))


@router.get("/endpoints/{endpoint_id}", response=WebhookEndpointOut, auth=MANAGE)
def endpoint_detail(request: HttpRequest, endpoint_id: int) -> WebhookEndpoint:
    return selectors.endpoint_for_viewer(user=request.user, endpoint_id=endpoint_id)


@router.patch("/endpoints/{endpoint_id}", response=WebhookEndpointOut, auth=MANAGE,
              summary="Change the URL, the event types, or pause / resume it")
def endpoint_patch(request: HttpRequest, endpoint_id: int,
                   payload: WebhookEndpointPatch) -> WebhookEndpoint:
    return services.endpoint_update(user=request.user, endpoint_id=endpoint_id,
                                    **payload.dict(exclude_unset=True))


@router.delete("/endpoints/{endpoint_id}", response={204: None}, auth=MANAGE)
def endpoint_delete(request: HttpRequest, endpoint_id: int) -> Status[None]:
    services.endpoint_delete(user=request.user, endpoint_id=endpoint_id)
    return Status(204, None)


@router.get("/endpoints/{endpoint_id}/secret", response=WebhookSecretOut, auth=MANAGE,
            summary="The signing secrets in use (managers only)")
def endpoint_secret(request: HttpRequest, endpoint_id: int) -> WebhookSecretOut:
    from .selectors import endpoint_for_manager

    endpoint = endpoint_for_manager(user=request.user, endpoint_id=endpoint_id)
    return WebhookSecretOut(secrets=selectors.endpoint_active_secrets(endpoint=endpoint))


@router.post("/endpoints/{endpoint_id}/secret", response=WebhookSecretOut, auth=MANAGE,
             summary="Rotate the signing secret; both sign for overlap_hours")
def endpoint_secret_rotate(request: HttpRequest, endpoint_id: int,
                           payload: DeveloperSecretRotateIn) -> WebhookSecretOut:
    endpoint, _secret = services.endpoint_secret_rotate(
        user=request.user, endpoint_id=endpoint_id, overlap_hours=payload.overlap_hours)
    return WebhookSecretOut(secrets=selectors.endpoint_active_secrets(endpoint=endpoint))


@router.post("/endpoints/{endpoint_id}/test", response={202: WebhookDeliveryOut}, auth=MANAGE,
             summary="Queue a webhook.test message to this endpoint")
def endpoint_test(request: HttpRequest, endpoint_id: int) -> Status[Delivery]:
    return Status(202, services.endpoint_test_send(user=request.user, endpoint_id=endpoint_id))


@router.post("/endpoints/{endpoint_id}/replay", response={202: WebhookReplayOut}, auth=MANAGE,
             summary="Send again every message of a time range (also those missed while "
                     "paused or disabled)")
def endpoint_replay(request: HttpRequest, endpoint_id: int,
                    payload: WebhookReplayIn) -> Status[WebhookReplayOut]:
    queued = services.deliveries_replay(user=request.user, endpoint_id=endpoint_id,
                                        since=payload.since, until=payload.until)
    return Status(202, WebhookReplayOut(queued=queued))


@router.get("/endpoints/{endpoint_id}/deliveries", response=list[WebhookDeliveryOut],
            auth=MANAGE, summary="The endpoint's delivery log, newest first")
@paginate
def endpoint_deliveries(request: HttpRequest, endpoint_id: int,
                        status: str | None = None) -> QuerySet[Delivery]:
    endpoint = selectors.endpoint_for_viewer(user=request.user, endpoint_id=endpoint_id)
    return selectors.deliveries_of_endpoint(endpoint=endpoint, status=status)


@router.get("/deliveries/{delivery_id}", response=WebhookDeliveryDetailOut, auth=MANAGE,
            summary="One delivery: its body and every attempt")
def delivery_detail(request: HttpRequest, delivery_id: int) -> Delivery:
    return selectors.delivery_for_viewer(user=request.user, delivery_id=delivery_id)


@router.post("/deliveries/{delivery_id}/replay", response={202: WebhookDeliveryOut}, auth=MANAGE,
             summary="Send this delivery again (same webhook-id and body)")
def delivery_replay(request: HttpRequest, delivery_id: int) -> Status[Delivery]:
    return Status(202, services.delivery_replay(user=request.user, delivery_id=delivery_id))
