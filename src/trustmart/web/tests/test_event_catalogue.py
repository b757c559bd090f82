"""Declared events across the apps: only declared names publish, payloads are typed, the
catalogue lists them all (here in web, the top layer, because it reads every app's events)."""

from __future__ import annotations

import pytest

from trustmart.core import events
from trustmart.core.models import OutboxEvent
from trustmart.orders.events import ORDER_PAID, ORDER_REFUNDED, OrderPaid, PaidLine

pytestmark = pytest.mark.django_db


def test_a_name_no_app_declares_cannot_be_published() -> None:
    with pytest.raises(events.UnknownEvent):
        events.publish("order.payed", {"order_no": "X"})
    assert not OutboxEvent.objects.exists()


def test_a_declared_name_needs_a_valid_payload() -> None:
    with pytest.raises(ValueError, match="order_no"):
        events.publish("order.paid", {"buyer_id": 1})
    with pytest.raises(TypeError):
        ORDER_PAID.publish(ORDER_REFUNDED.payload(  # type: ignore[arg-type]
            order_no="X", checkout_no="C", amount_fen=1, reason="", reference="r"))


def test_the_wire_is_the_json_object_handlers_always_read() -> None:
    paid = OrderPaid(order_no="O1", buyer_id=7, merchant_id=3, total_fen=1200, lines=[
        PaidLine(line_id=11, paid_fen=1200, store_id=None, share_code=None, commission_bps=500)])
    row = ORDER_PAID.publish(paid)
    stored = OutboxEvent.objects.get(pk=row.pk).payload
    assert stored == {"order_no": "O1", "buyer_id": 7, "merchant_id": 3, "total_fen": 1200,
                      "lines": [{"line_id": 11, "paid_fen": 1200, "store_id": None,
                                 "share_code": None, "commission_bps": 500}]}
    event = events.Event(row.id, row.name, stored, row.created_at)
    assert ORDER_PAID.data(event) == paid == event.data


def test_older_rows_without_optional_keys_still_decode() -> None:
    refunded = ORDER_REFUNDED.payload.from_payload({
        "order_no": "O1", "checkout_no": "C1", "amount_fen": 5, "reason": "", "reference": "r",
        "unknown_later_key": 1})
    assert refunded.full is True and refunded.lines is None


def test_the_catalogue_lists_every_declared_event_with_its_fields() -> None:
    names = [t.name for t in events.catalogue()]
    assert names == sorted(names)
    for name in ("checkout.created", "order.paid", "order.shipped", "order.received",
                 "order.refunded", "order.settled", "payment.succeeded", "payment.failed",
                 "payment.cancelled", "payment.refunded", "case.opened", "case.closed",
                 "merchant.approved", "merchant.suspended", "merchant.reinstated",
                 "merchant.closed"):
        assert name in names
    for event_type in events.catalogue():
        assert event_type.doc, f"{event_type.name} has no description"
        for field in event_type.fields():
            assert field.doc, f"{event_type.name}.{field.name} has no description"
    fields = {f.name: f for f in ORDER_PAID.fields()}
    assert (fields["lines"].type, fields["lines"].required) == ("list[PaidLine]", True)
    assert fields["total_fen"].type == "int"
    assert {f.name: f.type for f in ORDER_REFUNDED.fields()}["lines"] == "list[RefundedLine] | None"


def test_json_schema_of_a_payload() -> None:
    schema = ORDER_PAID.json_schema()
    assert schema["$id"] == "order.paid" and schema["type"] == "object"
    assert schema["properties"]["total_fen"]["type"] == "integer"
    line = schema["properties"]["lines"]["items"]
    assert line["properties"]["store_id"] == {
        "anyOf": [{"type": "integer"}, {"type": "null"}],
        "description": "The microstore that sold the line, if any."}
    assert "order_no" in schema["required"]


def test_every_subscription_is_to_a_declared_event() -> None:
    assert events.subscriptions_undeclared() == []
