"""The catalogue is the one declaration: every published event is in it, every scope an
endpoint names is declared, and each public type's example fits its own schema."""

from __future__ import annotations

import pytest
from django.test import Client

from trustmart.core import events as domain_events
from trustmart.developers import catalogue
from trustmart.developers.scopes import SCOPES
from trustmart.developers.selectors import scoped_operations


def test_every_declared_event_is_either_offered_to_third_parties_or_internal() -> None:
    declared = {event_type.name for event_type in domain_events.catalogue()
                if ".tests." not in event_type.payload.__module__}  # other tests' own events
    assert set(catalogue.WEBHOOKS) <= declared
    assert declared >= catalogue.INTERNAL
    unclassified = declared - set(catalogue.WEBHOOKS) - catalogue.INTERNAL
    assert not unclassified, f"decide whether third parties receive {sorted(unclassified)}"


def test_an_undeclared_event_cannot_be_published(db: None) -> None:
    with pytest.raises(domain_events.UnknownEvent):
        domain_events.publish("order.payed", {"order_no": "T1"})


def test_every_webhook_subscription_is_to_a_declared_event() -> None:
    assert domain_events.subscriptions_undeclared() == []


@pytest.mark.parametrize("event", catalogue.public_events(), ids=lambda e: e.name)
def test_each_public_example_fits_its_schema(event: catalogue.EventType) -> None:
    body = event.example_body()  # decoded by the declaration, so it is a valid payload
    schema = event.schema()
    assert schema["properties"]["type"] == {"const": event.name}
    assert set(schema["required"]) <= set(body)
    data_schema = schema["properties"]["data"]
    assert set(data_schema["required"]) <= set(body["data"]) <= set(data_schema["properties"])
    assert "buyer_id" not in body["data"] and "buyer_id" not in data_schema["properties"]


def test_every_scope_an_endpoint_names_is_declared_and_used() -> None:
    used = scoped_operations()
    assert set(used) <= set(SCOPES)
    assert {"orders:read", "orders:ship", "products:read", "products:write", "stock:write",
            "cases:read", "cases:reply", "webhooks:manage"} <= set(used)
    assert any(op.path.startswith("/api/orders/merchant/") for op in used["orders:read"])
    assert {op.path for op in used["stock:write"]} == {"/api/catalog/merchant/skus/{sku_id}/stock"}


def test_the_catalogue_is_published_in_the_api(db: None) -> None:
    response = Client().get("/api/developers/events")
    assert response.status_code == 200
    names = [e["name"] for e in response.json()]
    assert {"order.paid", "order.shipped", "order.refunded", "case.opened", "product.approved",
            "stock.low"} <= set(names)
    assert "checkout.created" not in names
    schema = Client().get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    assert {"DeveloperAppOut", "WebhookEndpointOut", "WebhookDeliveryDetailOut"} <= set(components)
    flows = schema["components"]["securitySchemes"]["AppTokenAuth"]["flows"]
    assert "orders:read" in flows["clientCredentials"]["scopes"]
