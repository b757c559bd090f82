"""The carriers' signed webhook: good, bad and stale signatures, dedup, unknown shipments."""

from __future__ import annotations

import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.logistics import services
from trustmart.logistics.models import Shipment, TrackingEvent
from trustmart.orders.models import Order

from .helpers import signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment(seller: User, order: Order) -> Shipment:
    return services.shipment_create(user=seller, order_no=order.order_no, carrier="SF",
                                    tracking_no="SF1234567890")


def push(*events: dict[str, str], tracking_no: str = "SF1234567890") -> dict[str, object]:
    return {"carrier": "SF", "tracking_no": tracking_no, "events": list(events)}


COLLECTED = {"id": "ev-1", "time": "2026-11-20T09:00:00+08:00", "status": "collected",
             "location": "深圳", "description": "顺丰速运 已收取快件"}
DELIVERED = {"id": "ev-2", "time": "2026-11-21T15:30:00Z", "status": "delivered",
             "location": "杭州", "description": "已签收"}


def test_signed_push_records_events(shipment: Shipment, order: Order) -> None:
    response = signed_post(Client(), push(COLLECTED, DELIVERED))
    assert response.status_code == 200
    assert response.json() == {"code": "ok", "created": 2, "duplicates": 0}
    events = list(shipment.events.all())
    assert [e.status for e in events] == ["delivered", "collected"]  # newest first
    assert {e.source for e in events} == {"webhook"}
    assert events[1].occurred_at.isoformat() == "2026-11-20T01:00:00+00:00"
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED  # delivered does not confirm receipt


def test_redelivered_events_are_ignored(shipment: Shipment) -> None:
    signed_post(Client(), push(COLLECTED))
    response = signed_post(Client(), push(COLLECTED, DELIVERED, DELIVERED))
    assert response.json() == {"code": "ok", "created": 1, "duplicates": 2}
    assert TrackingEvent.objects.count() == 2


def test_bad_signature_is_refused(shipment: Shipment) -> None:
    response = signed_post(Client(), push(COLLECTED), secret="not-the-secret")
    assert response.status_code == 401
    assert response.json()["code"] == "bad_signature"
    missing = Client().post("/logistics/webhook/", json.dumps(push(COLLECTED)),
                            content_type="application/json")
    assert missing.status_code == 401
    assert not TrackingEvent.objects.exists()


def test_stale_timestamp_is_refused(shipment: Shipment) -> None:
    with time_machine.travel(timezone.now(), tick=False):
        now = int(timezone.now().timestamp())
        assert signed_post(Client(), push(COLLECTED), timestamp=now - 6 * 60).status_code == 401
        assert signed_post(Client(), push(COLLECTED), timestamp=now + 6 * 60).status_code == 401
        assert not TrackingEvent.objects.exists()
        assert signed_post(Client(), push(COLLECTED), timestamp=now - 4 * 60).status_code == 200


def test_unknown_shipment_is_404(shipment: Shipment) -> None:
    response = signed_post(Client(), push(COLLECTED, tracking_no="SF0000000000"))
    assert response.status_code == 404
    assert response.json()["code"] == "shipment_not_found"
    assert not TrackingEvent.objects.exists()


@pytest.mark.parametrize("payload", [
    {"carrier": "SF", "tracking_no": "SF1234567890", "events": "nope"},
    push({**COLLECTED, "status": "lost"}),
    push({**COLLECTED, "time": "yesterday"}),
    push({**COLLECTED, "id": ""}),
    [1, 2],
])
def test_malformed_payload_is_422_and_saves_nothing(shipment: Shipment, payload: object) -> None:
    response = signed_post(Client(), payload)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_payload"
    assert not TrackingEvent.objects.exists()


def test_webhook_only_accepts_post(shipment: Shipment) -> None:
    assert Client().get("/logistics/webhook/").status_code == 405
