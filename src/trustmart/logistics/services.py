"""Writes: shipping an order (one or more packages) and recording tracking events.

The first package moves the order from paid to shipped through ``orders.services.order_ship``;
later packages only add tracking. A "delivered" event is recorded but never confirms receipt:
the buyer confirms, or the orders app's auto-confirm job does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, invalid
from trustmart.orders import selectors as order_selectors
from trustmart.orders import services as order_services
from trustmart.orders.lock_objects import order_lock
from trustmart.orders.models import Order

from .carriers import carrier_clean, tracking_no_clean
from .models import Shipment, TrackingEvent
from .selectors import shipment_for_staff
from .signing import webhook_signature_valid

# A package may be added while the order waits for shipment or is on its way.
SHIPPABLE = (Order.Status.PAID, Order.Status.SHIPPED)
MAX_EVENTS_PER_WEBHOOK = 200


def shipment_create(*, user: User | AnonymousUser, order_no: str, carrier: str,
                    tracking_no: str) -> Shipment:
    """Add a package to the order; the first one marks the order shipped (exactly once)."""
    order = order_selectors.order_for_merchant_staff(user=user, order_no=order_no)
    actor = user if isinstance(user, User) else None  # authenticated: the selector checked
    code = carrier_clean(carrier).code
    number = tracking_no_clean(tracking_no)
    if Shipment.objects.filter(carrier=code, tracking_no=number).exists():
        raise invalid("tracking_no", _("This tracking number has already been entered."),
                      code="duplicate_tracking_no")
    with transaction.atomic():
        # The lock makes two racing "first" packages take turns: only one calls order_ship.
        locked = order_lock(pk=order.pk)
        assert locked is not None
        order = locked
        if order.status not in SHIPPABLE:
            raise Conflict(_("This order cannot be shipped in its current state."),
                           code="order_not_shippable")
        try:
            with transaction.atomic():
                shipment = Shipment.objects.create(order=order, carrier=code, tracking_no=number,
                                                   created_by=actor)
        except IntegrityError:
            raise invalid("tracking_no", _("This tracking number has already been entered."),
                          code="duplicate_tracking_no") from None
        if order.status == Order.Status.PAID:
            order_services.order_ship(order_no=order.order_no, actor=actor)
    return shipment


def _clean_status(status: str) -> str:
    if status not in TrackingEvent.Status.values:
        raise invalid("status", _("Choose a tracking status from the list."),
                      code="invalid_tracking_status")
    return status


def tracking_event_add(*, user: User | AnonymousUser, shipment_id: int, status: str,
                       occurred_at: datetime | None = None, location: str = "",
                       description: str = "") -> TrackingEvent:
    """A merchant's hand-entered event (for carriers without a feed)."""
    shipment = shipment_for_staff(user=user, shipment_id=shipment_id)
    actor = user if isinstance(user, User) else None
    status = _clean_status(status)
    when = occurred_at or timezone.now()
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now():
        raise invalid("occurred_at", _("The time cannot be in the future."),
                      code="event_in_future")
    location, description = location.strip(), description.strip()
    if len(location) > 100:
        raise invalid("location", _("At most 100 characters."), code="location_too_long")
    if len(description) > 300:
        raise invalid("description", _("At most 300 characters."), code="description_too_long")
    with transaction.atomic():
        return TrackingEvent.objects.create(
            shipment=shipment, occurred_at=when, status=status, location=location,
            description=description, source=TrackingEvent.Source.MERCHANT, created_by=actor)


@dataclass(frozen=True)
class WebhookResult:
    shipment_id: int
    created: int
    duplicates: int


def _bad_payload(detail: str) -> InvalidInput:
    return InvalidInput(_("The webhook payload is not valid: %(detail)s") % {"detail": detail},
                        code="invalid_payload")


def _parse_events(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) > MAX_EVENTS_PER_WEBHOOK:
        raise _bad_payload("events")
    events: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise _bad_payload("events")
        event_id = str(item.get("id") or "").strip()
        when = parse_datetime(str(item.get("time") or ""))
        status = item.get("status")
        if not event_id or len(event_id) > 100 or when is None:
            raise _bad_payload("events.id/time")
        if status not in TrackingEvent.Status.values:
            raise _bad_payload("events.status")
        events.append({
            "external_id": event_id,
            "occurred_at": when if timezone.is_aware(when) else timezone.make_aware(when),
            "status": status,
            "location": str(item.get("location") or "")[:100],
            "description": str(item.get("description") or "")[:300],
        })
    return events


def webhook_receive(*, timestamp: str, signature: str, body: bytes) -> WebhookResult:
    """Verify, parse and store a carrier aggregator's tracking push; redelivery adds nothing."""
    if not webhook_signature_valid(secret=settings.LOGISTICS_WEBHOOK_SECRET, timestamp=timestamp,
                                   signature=signature, body=body, now=timezone.now()):
        raise NotAuthenticated(_("The webhook signature is missing, wrong or too old."),
                               code="bad_signature")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _bad_payload("json") from None
    if not isinstance(payload, dict):
        raise _bad_payload("json")
    carrier = str(payload.get("carrier") or "").strip().upper()
    tracking_no = str(payload.get("tracking_no") or "").replace(" ", "").strip().upper()
    events = _parse_events(payload.get("events"))
    shipment = Shipment.objects.filter(carrier=carrier, tracking_no=tracking_no).first()
    if shipment is None:
        raise NotFound(_("No shipment has this carrier and tracking number."),
                       code="shipment_not_found")
    unique = {e["external_id"]: e for e in events}
    with transaction.atomic():
        seen = set(TrackingEvent.objects.filter(external_id__in=list(unique))
                   .values_list("external_id", flat=True))
        fresh = [TrackingEvent(shipment=shipment, source=TrackingEvent.Source.WEBHOOK, **e)
                 for key, e in unique.items() if key not in seen]
        # ignore_conflicts covers a concurrent redelivery racing past the check above.
        TrackingEvent.objects.bulk_create(fresh, ignore_conflicts=True)
    return WebhookResult(shipment_id=shipment.pk, created=len(fresh),
                         duplicates=len(events) - len(fresh))
