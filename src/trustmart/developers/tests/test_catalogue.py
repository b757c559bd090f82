"""The catalogue is the one declaration: every published event is in it, every scope an
endpoint names is declared, and each public type's example fits its own schema."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.test import Client

from trustmart.developers import catalogue
from trustmart.developers.scopes import SCOPES
from trustmart.developers.selectors import scoped_operations

SOURCE = Path(__file__).resolve().parents[2]


def _published_names() -> set[str]:
    """The first argument of every ``publish(...)`` call in the code: literals, and f-strings
    as patterns (``payment.{status}`` → ``payment\\..+``)."""
    names: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(
                    node.func, "attr", None)) == "publish" and node.args):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(re.escape(first.value))
                elif isinstance(first, ast.JoinedStr):
                    names.add("".join(re.escape(str(p.value)) if isinstance(p, ast.Constant)
                                      else ".+" for p in first.values))
                else:  # a name from a table: checked by its own test below
                    names.add(f"{path.relative_to(SOURCE)}:{ast.unparse(first)}")
    return names


def test_every_published_event_is_declared() -> None:
    declared = set(catalogue.catalogue())
    found = _published_names()
    assert len(found) >= 12
    from_tables = {"merchants/services/status.py:event"}
    undeclared = [p for p in found - from_tables
                  if not any(re.fullmatch(p, name) for name in declared)]
    assert not undeclared, f"publish() of events the catalogue does not declare: {undeclared}"


def test_the_merchant_status_events_are_declared() -> None:
    from trustmart.merchants.services.status import TRANSITIONS

    assert {event for _sources, _target, event in TRANSITIONS.values()} <= set(
        catalogue.catalogue())


def test_the_payment_events_of_every_status_are_declared() -> None:
    from trustmart.payments.models import Payment

    for status in Payment.Status.values:
        if status != Payment.Status.CREATED:
            assert f"payment.{status}" in catalogue.catalogue()


@pytest.mark.parametrize("event", catalogue.public_events(), ids=lambda e: e.name)
def test_each_public_example_fits_its_schema(event: catalogue.EventType) -> None:
    body = event.example_body()
    assert event.data(body["data"]) == body["data"]
    schema = event.schema()
    assert schema["properties"]["type"] == {"const": event.name}
    assert set(schema["required"]) <= set(body)
    assert set(schema["properties"]["data"]["required"]) == set(body["data"])


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
