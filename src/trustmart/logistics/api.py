"""REST endpoints for logistics. Each handler parses, calls one service or selector, returns.

The carriers' webhook is not here: it is a plain Django view (``views.webhook``) because it is
signed over the raw body and is not called with a user's credentials.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from trustmart.accounts.auth import app_or_user, token_or_session
from trustmart.core.idempotency import idempotent

from . import selectors, services
from .carriers import Carrier
from .models import Shipment, TrackingEvent

router = Router(tags=["logistics"], auth=token_or_session)


class CarrierOut(Schema):
    code: str
    name_zh: str
    name_en: str


class ShipmentIn(Schema):
    order_no: str
    carrier: str
    tracking_no: str


class EventIn(Schema):
    status: str
    occurred_at: datetime | None = None
    location: str = ""
    description: str = ""


class EventOut(Schema):
    id: int
    occurred_at: datetime
    status: str
    location: str
    description: str
    source: str


class ShipmentOut(Schema):
    id: int
    order_no: str
    carrier: str
    tracking_no: str
    created_at: datetime
    events: list[EventOut]

    @staticmethod
    def resolve_order_no(obj: Shipment) -> str:
        return obj.order.order_no

    @staticmethod
    def resolve_events(obj: Shipment) -> list[TrackingEvent]:
        return list(obj.events.all())


@router.get("/carriers", response=list[CarrierOut], auth=None)
def carriers(request: HttpRequest) -> tuple[Carrier, ...]:
    return selectors.carriers_list()


@router.post("/shipments", response={201: ShipmentOut}, auth=app_or_user("orders:ship"))
@decorate_view(idempotent)
def shipment_create(request: HttpRequest, payload: ShipmentIn) -> Status[Shipment]:
    shipment = services.shipment_create(user=request.user, order_no=payload.order_no,
                                        carrier=payload.carrier, tracking_no=payload.tracking_no)
    return Status(201, shipment)


@router.get("/orders/{order_no}/shipments", response=list[ShipmentOut],
            auth=app_or_user("orders:read"))
def order_shipments(request: HttpRequest, order_no: str) -> list[Shipment]:
    order = selectors.order_for_tracking(user=request.user, order_no=order_no)
    return selectors.shipments_of_order(order=order)


@router.post("/shipments/{shipment_id}/events", response={201: EventOut},
             auth=app_or_user("orders:ship"))
def event_add(request: HttpRequest, shipment_id: int, payload: EventIn) -> Status[TrackingEvent]:
    event = services.tracking_event_add(
        user=request.user, shipment_id=shipment_id, status=payload.status,
        occurred_at=payload.occurred_at, location=payload.location,
        description=payload.description)
    return Status(201, event)
