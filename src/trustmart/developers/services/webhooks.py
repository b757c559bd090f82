"""Webhook endpoints, and how an event becomes signed HTTP requests that are never lost.

1. A domain event commits in its outbox. Our handler (``messages_for_event``), run after commit
   by the event bus, writes one ``WebhookMessage`` (fixed id and body bytes, the resource's next
   sequence number) and one pending ``Delivery`` per endpoint that should get it: the event's
   merchant's endpoints that chose its type, and platform apps' endpoints.
2. The ``developers.webhooks.send_due`` job (a worker, never a web request) claims due
   deliveries and POSTs them outside any transaction, signed afresh per attempt with the same
   id and body. 2xx is success; anything else is retried after 5 s, 5 min, 30 min, 2 h, 5 h,
   10 h and 10 h, then the delivery is failed (it can be replayed).
3. Per endpoint, a circuit breaker stops sending after WEBHOOK_CIRCUIT_FAILURES failures in a
   row and lets one delivery probe after a cool-down; an endpoint that has failed for
   DEVELOPERS_WEBHOOK_DISABLE_AFTER_DAYS with no success is disabled and its merchant told.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, invalid
from trustmart.core.events import Event
from trustmart.merchants.selectors import merchant_for_owner

from .. import signing, transport
from ..catalogue import TEST_EVENT, EventType, event_type, subscribable_names
from ..models import (
    Delivery,
    DeliveryAttempt,
    DeveloperApp,
    EndpointNotice,
    EndpointSecret,
    ResourceSequence,
    WebhookEndpoint,
    WebhookMessage,
)
from ..scopes import EVENT_RESOURCE_SCOPES
from ..selectors import app_of_user, endpoint_active_secrets, endpoint_for_manager

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

# Seconds to wait after the 1st, 2nd, ... failed attempt; after the last, the delivery fails.
RETRY_SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
CLAIM = timedelta(seconds=60)
MAX_ENDPOINTS_PER_OWNER = 20
MAX_REPLAY = 10_000


# --- endpoints ------------------------------------------------------------------------------
def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if len(url) > 500:
        raise invalid("url", _("The URL is too long."), code="invalid_url")
    try:
        transport.url_check(url)
    except transport.Refused:
        raise invalid("url", _("Enter an https:// URL of a public host (no user name or "
                               "password in it)."), code="invalid_url") from None
    return url


def _clean_event_types(names: list[str], *, app: DeveloperApp | None) -> list[str]:
    wanted = sorted(set(names or []))
    if not wanted:
        raise invalid("event_types", _("Choose at least one event type."),
                      code="invalid_event_types")
    unknown = [n for n in wanted if n not in subscribable_names()]
    if unknown:
        raise invalid("event_types", _("Unknown event type: %(name)s.") % {"name": unknown[0]},
                      code="invalid_event_types")
    if app is not None:  # an app receives only what its scopes would let it read
        for name in wanted:
            declared = event_type(name)
            needed = EVENT_RESOURCE_SCOPES.get(declared.resource) if declared else None
            if needed and needed not in app.scopes:
                raise invalid("event_types", _("%(name)s needs the scope %(scope)s.")
                              % {"name": name, "scope": needed}, code="insufficient_scope")
    return wanted


@transaction.atomic
def endpoint_create(*, user: User | AnonymousUser, url: str, event_types: list[str],
                    merchant_id: int | None = None, description: str = ""
                    ) -> tuple[WebhookEndpoint, str]:
    """A new endpoint of the merchant (its owner) or of the calling app; returns its secret."""
    app = app_of_user(user)
    if app is not None:
        merchant, owner_q = app.merchant, Q(app=app)
    elif merchant_id is not None:
        merchant = merchant_for_owner(user=user, merchant_id=merchant_id)
        owner_q = Q(merchant=merchant, app__isnull=True)
    else:
        raise invalid("merchant_id", _("Choose the merchant the endpoint is for."))
    url, types = _clean_url(url), _clean_event_types(event_types, app=app)
    if WebhookEndpoint.objects.filter(owner_q).count() >= MAX_ENDPOINTS_PER_OWNER:
        raise Conflict(_("There are 20 endpoints already. Delete one first."),
                       code="too_many_endpoints")
    endpoint = WebhookEndpoint.objects.create(
        merchant=merchant, app=app, url=url, event_types=types,
        description=(description or "").strip()[:200],
        created_by=user if app is None and isinstance(user, User) else None)
    secret = signing.secret_new()
    EndpointSecret.objects.create(endpoint=endpoint, secret=secret)
    return endpoint, secret


@transaction.atomic
def endpoint_update(*, user: User | AnonymousUser, endpoint_id: int, url: str | None = None,
                    event_types: list[str] | None = None, description: str | None = None,
                    status: str | None = None) -> WebhookEndpoint:
    """Edit an endpoint; ``status`` active or paused. Re-activating a disabled endpoint closes
    its circuit; what it missed while disabled can be replayed for that time range."""
    endpoint = endpoint_for_manager(user=user, endpoint_id=endpoint_id)
    if url is not None:
        endpoint.url = _clean_url(url)
    if event_types is not None:
        endpoint.event_types = _clean_event_types(event_types, app=endpoint.app)
    if description is not None:
        endpoint.description = description.strip()[:200]
    if status is not None:
        if status not in (WebhookEndpoint.Status.ACTIVE, WebhookEndpoint.Status.PAUSED):
            raise invalid("status", _("The status is active or paused."))
        if endpoint.app is not None and endpoint.app.status != DeveloperApp.Status.ACTIVE:
            raise invalid("status", _("This app has been revoked."), code="app_revoked")
        if status == WebhookEndpoint.Status.ACTIVE and endpoint.status != status:
            endpoint.consecutive_failures, endpoint.circuit_open_until = 0, None
            endpoint.failing_since, endpoint.disabled_at = None, None
        endpoint.status = status
    endpoint.save()
    return endpoint


def endpoint_delete(*, user: User | AnonymousUser, endpoint_id: int) -> None:
    endpoint_for_manager(user=user, endpoint_id=endpoint_id).delete()


@transaction.atomic
def endpoint_secret_rotate(*, user: User | AnonymousUser, endpoint_id: int,
                           overlap_hours: int = 24) -> tuple[WebhookEndpoint, str]:
    """A new signing secret. Until the overlap ends, requests carry both signatures."""
    if not 0 <= overlap_hours <= 24 * 7:
        raise invalid("overlap_hours", _("The overlap is between 0 and 168 hours."))
    endpoint = endpoint_for_manager(user=user, endpoint_id=endpoint_id)
    until = timezone.now() + timedelta(hours=overlap_hours)
    endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=until)).update(
        expires_at=until)
    secret = signing.secret_new()
    EndpointSecret.objects.create(endpoint=endpoint, secret=secret)
    return endpoint, secret


# --- from events to messages and deliveries ---------------------------------------------------
@transaction.atomic
def _next_sequence(resource: str) -> int:
    """The resource's next number. The UPDATE's row lock, held to the end of the transaction,
    makes the read that follows see our own number."""
    rows = ResourceSequence.objects.filter(resource=resource)
    if not rows.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ResourceSequence.objects.create(resource=resource, last=1)
                return 1
        except IntegrityError:  # created by a concurrent handler just now
            rows.update(last=F("last") + 1)
    return int(rows.values_list("last", flat=True).get())


def _body(declared: EventType, *, msg_id: str, merchant_id: int | None, resource_id: str,
          sequence: int, occurred_at: datetime, data: dict[str, Any]) -> str:
    return json.dumps({
        "id": msg_id, "type": declared.name, "version": declared.version,
        "timestamp": occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "merchant_id": merchant_id,
        "resource": {"type": declared.resource, "id": resource_id, "sequence": sequence},
        "data": data,
    }, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def _message_create(declared: EventType, *, payload: dict[str, Any], occurred_at: datetime,
                    event_id: uuid.UUID | None = None) -> WebhookMessage:
    data = declared.data(payload)
    merchant_id = data.get(declared.merchant_key) if declared.merchant_key else None
    resource_id = str(data.get(declared.resource_key, ""))
    resource = f"{declared.resource}:{resource_id}"
    sequence = _next_sequence(resource)
    msg_id = "msg_" + (event_id or uuid.uuid4()).hex
    return WebhookMessage.objects.create(
        msg_id=msg_id, event_id=event_id, event_type=declared.name, merchant_id=merchant_id,
        resource=resource[:80], sequence=sequence, created_at=occurred_at,
        body=_body(declared, msg_id=msg_id, merchant_id=merchant_id, resource_id=resource_id,
                   sequence=sequence, occurred_at=occurred_at, data=data))


def _receivers(message: WebhookMessage) -> list[WebhookEndpoint]:
    """Endpoints that should get ``message``: its merchant's and platform apps', by type."""
    scope = Q(merchant__isnull=True, app__merchant__isnull=True)  # platform apps: everything
    if message.merchant_id is not None:
        scope |= Q(merchant_id=message.merchant_id)
    candidates = WebhookEndpoint.objects.filter(scope).exclude(
        status=WebhookEndpoint.Status.DISABLED)
    return [e for e in candidates if message.event_type in e.event_types]


def messages_for_event(event: Event) -> WebhookMessage | None:
    """The event handler: one message, and a due delivery for each receiving endpoint.

    Runs in the handler's transaction with its ``HandledEvent`` row, so a redelivered event
    writes nothing twice (and ``event_id`` is unique besides)."""
    declared = event_type(event.name)
    if declared is None or not declared.public:
        return None
    if WebhookMessage.objects.filter(event_id=event.id).exists():
        return None
    message = _message_create(declared, payload=event.payload, occurred_at=event.created_at,
                              event_id=event.id)
    now = timezone.now()
    Delivery.objects.bulk_create([Delivery(endpoint=e, message=message, next_attempt_at=now)
                                  for e in _receivers(message)])
    return message


@transaction.atomic
def endpoint_test_send(*, user: User | AnonymousUser, endpoint_id: int) -> Delivery:
    """Queue a ``webhook.test`` message to this endpoint only (sent by the worker)."""
    endpoint = endpoint_for_manager(user=user, endpoint_id=endpoint_id)
    declared = event_type(TEST_EVENT)
    assert declared is not None
    message = _message_create(declared, occurred_at=timezone.now(), payload={
        "endpoint_id": endpoint.pk, "note": str(_("This is a test message."))})
    return Delivery.objects.create(endpoint=endpoint, message=message,
                                   next_attempt_at=timezone.now())


# --- replay ---------------------------------------------------------------------------------
def delivery_replay(*, user: User | AnonymousUser, delivery_id: int) -> Delivery:
    """Send one delivery again (same id and body), whatever became of it."""
    from ..selectors import delivery_for_viewer

    delivery = delivery_for_viewer(user=user, delivery_id=delivery_id)
    endpoint_for_manager(user=user, endpoint_id=delivery.endpoint_id)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(),
        claimed_until=None)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def deliveries_replay(*, user: User | AnonymousUser, endpoint_id: int, since: datetime,
                      until: datetime | None = None) -> int:
    """Send again every message the endpoint should have had between ``since`` and ``until``,
    including those from while it was paused or disabled. Returns how many are queued."""
    endpoint = endpoint_for_manager(user=user, endpoint_id=endpoint_id)
    until = until or timezone.now()
    if until <= since:
        raise invalid("until", _("The end of the range must be after its start."))
    scope = Q(merchant_id=endpoint.merchant_id)
    if endpoint.merchant_id is None:  # a platform app's endpoint
        scope = Q()
    ids = list(WebhookMessage.objects.filter(
        scope, created_at__gte=since, created_at__lt=until,
        event_type__in=endpoint.event_types).order_by("created_at")
        .values_list("pk", flat=True)[:MAX_REPLAY])
    now = timezone.now()
    Delivery.objects.bulk_create([Delivery(endpoint=endpoint, message_id=pk, next_attempt_at=now)
                                  for pk in ids], ignore_conflicts=True)
    Delivery.objects.filter(endpoint=endpoint, message_id__in=ids).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, claimed_until=None)
    return len(ids)


# --- sending --------------------------------------------------------------------------------
def _sendable(endpoint: WebhookEndpoint, now: datetime) -> bool:
    return endpoint.status == WebhookEndpoint.Status.ACTIVE and (
        endpoint.circuit_open_until is None or endpoint.circuit_open_until <= now)


def _claim(delivery_id: int, now: datetime) -> bool:
    return bool(Delivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        pk=delivery_id, status=Delivery.Status.PENDING,
    ).update(claimed_until=now + CLAIM))


def delivery_send(delivery_id: int) -> bool | None:
    """Make one attempt now. True/False: it succeeded/failed; None: not sent (claimed by
    another worker, not pending, or its endpoint is paused or its circuit open)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("message", "endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not _sendable(endpoint, now):
        Delivery.objects.filter(pk=delivery_id).update(claimed_until=None)
        return None
    message = delivery.message
    headers = signing.headers(secrets_=endpoint_active_secrets(endpoint=endpoint),
                              msg_id=message.msg_id, timestamp=int(now.timestamp()),
                              body=message.body)
    result = transport.post(endpoint.url, body=message.body.encode(), headers=headers)
    _record(delivery, endpoint, headers=headers, result=result)
    return result.ok


def _record(delivery: Delivery, endpoint: WebhookEndpoint, *, headers: dict[str, str],
            result: transport.Result) -> None:
    now = timezone.now()
    attempts = delivery.attempts + 1
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, number=delivery.log.count() + 1, url=endpoint.url,
            request_headers=headers, status_code=result.status, response_body=result.body,
            error=result.error, latency_ms=result.latency_ms, succeeded=result.ok)
        changes: dict[str, Any] = {"attempts": attempts, "claimed_until": None,
                                   "last_status_code": result.status,
                                   "last_error": result.error}
        if result.ok:
            changes.update(status=Delivery.Status.SUCCEEDED, succeeded_at=now,
                           next_attempt_at=None)
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=0, circuit_open_until=None, failing_since=None,
                last_success_at=now)
        else:
            if attempts > len(RETRY_SCHEDULE):
                changes.update(status=Delivery.Status.FAILED, next_attempt_at=None)
            else:
                changes["next_attempt_at"] = now + timedelta(seconds=RETRY_SCHEDULE[attempts - 1])
            _endpoint_failed(endpoint, now)
        Delivery.objects.filter(pk=delivery.pk).update(**changes)


def _endpoint_failed(endpoint: WebhookEndpoint, now: datetime) -> None:
    failures = endpoint.consecutive_failures + 1
    changes: dict[str, Any] = {"consecutive_failures": F("consecutive_failures") + 1}
    if endpoint.failing_since is None:
        changes["failing_since"] = now
    threshold = settings.DEVELOPERS_WEBHOOK_CIRCUIT_FAILURES
    if failures >= threshold:
        # Open (or reopen after a failed probe) for a cool-down that doubles up to an hour.
        cool = min(60 * 2 ** (failures - threshold), 3600)
        changes["circuit_open_until"] = now + timedelta(seconds=cool)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**changes)
    endpoint_disable_if_failing(endpoint_id=endpoint.pk, now=now)


def endpoint_disable_if_failing(*, endpoint_id: int, now: datetime | None = None) -> bool:
    """Disable an endpoint failing for DEVELOPERS_WEBHOOK_DISABLE_AFTER_DAYS and tell its
    merchant; True if it was disabled now."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DEVELOPERS_WEBHOOK_DISABLE_AFTER_DAYS)
    with transaction.atomic():
        disabled = WebhookEndpoint.objects.filter(
            pk=endpoint_id, status=WebhookEndpoint.Status.ACTIVE, failing_since__lte=cutoff,
        ).update(status=WebhookEndpoint.Status.DISABLED, disabled_at=now)
        if disabled:
            endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
            EndpointNotice.objects.create(
                endpoint=endpoint, merchant_id=endpoint.merchant_id,
                text=str(_("Webhook endpoint %(url)s was disabled: every delivery failed for "
                           "%(days)s days. Fix it, turn it on again and replay what it "
                           "missed.") % {"url": endpoint.url[:150],
                                         "days": settings.DEVELOPERS_WEBHOOK_DISABLE_AFTER_DAYS}))
    return bool(disabled)


def endpoints_disable_failing() -> int:
    cutoff = timezone.now() - timedelta(days=settings.DEVELOPERS_WEBHOOK_DISABLE_AFTER_DAYS)
    ids = WebhookEndpoint.objects.filter(status=WebhookEndpoint.Status.ACTIVE,
                                         failing_since__lte=cutoff).values_list("pk", flat=True)
    return sum(endpoint_disable_if_failing(endpoint_id=pk) for pk in list(ids))


def deliveries_send_due(limit: int = 100) -> int:
    """The sender's sweep: attempt due deliveries of sendable endpoints, oldest first.
    Returns how many attempts were made."""
    now = timezone.now()
    due = list(Delivery.objects.filter(
        Q(endpoint__circuit_open_until__isnull=True) | Q(endpoint__circuit_open_until__lte=now),
        Q(claimed_until__isnull=True) | Q(claimed_until__lte=now),
        status=Delivery.Status.PENDING, next_attempt_at__lte=now,
        endpoint__status=WebhookEndpoint.Status.ACTIVE,
    ).order_by("next_attempt_at", "message__created_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if delivery_send(pk) is not None)


def deliveries_purge() -> int:
    """Messages (with their deliveries and log) older than the retention, once settled."""
    cutoff = timezone.now() - timedelta(days=settings.DEVELOPERS_WEBHOOK_RETENTION_DAYS)
    deleted, _rows = WebhookMessage.objects.filter(created_at__lt=cutoff).exclude(
        deliveries__status=Delivery.Status.PENDING).delete()
    return deleted
