"""An app's token on the merchant endpoints: its scope, its merchant only, its rate limit, its
idempotency keys, and the audit trail of every call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.aftersales.models import Kind
from trustmart.aftersales.tests.factories import make_order, open_case
from trustmart.catalog.models import Sku
from trustmart.developers import services
from trustmart.developers.models import ApiCall
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_staff_list
from trustmart.orders.models import Order

from .conftest import Registered

JSON = "application/json"


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    return make_user("买家")


@pytest.fixture
def order_a(buyer: User, sku_a: Sku) -> Order:
    return make_order(buyer, sku_a, status="paid")


@pytest.fixture
def order_b(buyer: User, sku_b: Sku) -> Order:
    return make_order(buyer, sku_b, status="paid")


def test_an_app_reads_and_ships_its_merchants_orders(
        app_a: Registered, app_client: Callable[..., Client], merchant_a: Merchant,
        order_a: Order) -> None:
    api = app_client(app_a)
    listed = api.get(f"/api/orders/merchant/{merchant_a.pk}/orders?tab=to_ship")
    assert listed.status_code == 200
    assert [o["order_no"] for o in listed.json()["items"]] == [order_a.order_no]
    assert api.get(f"/api/orders/merchant/orders/{order_a.order_no}").status_code == 200
    shipped = api.post("/api/logistics/shipments", {"order_no": order_a.order_no,
                                                    "carrier": "sf", "tracking_no": "SF1234567"},
                       content_type=JSON)
    assert shipped.status_code == 201, shipped.content
    order_a.refresh_from_db()
    assert order_a.status == Order.Status.SHIPPED
    # The app is recorded as who shipped it, under its own name.
    assert order_a.events.get(kind="shipped").actor_id == app_a.app.user_id


def test_app_a_can_neither_read_ship_nor_change_anything_of_merchant_b(
        app_a: Registered, app_client: Callable[..., Client], merchant_b: Merchant,
        order_b: Order, sku_b: Sku, buyer: User) -> None:
    api = app_client(app_a)
    product_id = sku_b.product_id
    case = open_case(buyer, make_order(buyer, sku_b, status="received"), Kind.QUALITY)
    stock_before = Sku.objects.get(pk=sku_b.pk).stock
    answers = [
        api.get(f"/api/orders/merchant/{merchant_b.pk}/orders"),
        api.get(f"/api/orders/merchant/orders/{order_b.order_no}"),
        api.post("/api/logistics/shipments", {"order_no": order_b.order_no, "carrier": "sf",
                                              "tracking_no": "SF7654321"}, content_type=JSON),
        api.get(f"/api/logistics/orders/{order_b.order_no}/shipments"),
        api.get(f"/api/catalog/merchant/products/{product_id}"),
        api.patch(f"/api/catalog/merchant/products/{product_id}", {"subtitle": "改了"},
                  content_type=JSON),
        api.post(f"/api/catalog/merchant/skus/{sku_b.pk}/stock", {"stock": 0},
                 content_type=JSON),
        api.get(f"/api/aftersales/merchant/{merchant_b.pk}/cases"),
        api.get(f"/api/aftersales/cases/{case.case_no}"),
        api.post(f"/api/aftersales/cases/{case.case_no}/messages", {"text": "你好"}),
    ]
    assert [r.status_code for r in answers] == [404] * len(answers), [r.content for r in answers]
    order_b.refresh_from_db()
    sku_b.refresh_from_db()
    assert order_b.status == Order.Status.PAID and sku_b.stock == stock_before


def test_the_wrong_scope_is_403_naming_the_scope(
        app_a: Registered, app_client: Callable[..., Client], merchant_a: Merchant,
        sku_a: Sku) -> None:
    api = app_client(app_a, scope="products:read")
    assert api.get(f"/api/catalog/merchant/products/{sku_a.product_id}").status_code == 200
    response = api.post(f"/api/catalog/merchant/skus/{sku_a.pk}/stock", {"stock": 3},
                        content_type=JSON)
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert "stock:write" in response.json()["message"]
    assert response["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="stock:write"'
    sku_a.refresh_from_db()
    assert sku_a.stock == 50


def test_an_endpoint_that_names_no_scope_refuses_app_tokens(
        app_a: Registered, app_client: Callable[..., Client]) -> None:
    response = app_client(app_a).get("/api/orders/cart")
    assert response.status_code == 403 and response.json()["code"] == "app_token_not_accepted"


def test_an_expired_token_is_401_and_the_call_is_audited(
        app_a: Registered, app_client: Callable[..., Client], merchant_a: Merchant) -> None:
    api = app_client(app_a)
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        response = api.get(f"/api/orders/merchant/{merchant_a.pk}/orders")
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    call = ApiCall.objects.get(app=app_a.app)
    assert (call.status_code, call.scope, call.merchant_id) == (401, "orders:read", merchant_a.pk)


def test_every_call_is_audited_and_the_merchant_sees_it(
        app_a: Registered, app_client: Callable[..., Client], merchant_a: Merchant,
        owner_a: User, owner_b: User, api_client_for: Callable[[User], Client]) -> None:
    api = app_client(app_a)
    api.get(f"/api/orders/merchant/{merchant_a.pk}/orders")
    api.get("/api/catalog/merchant/products/999999")
    calls = api_client_for(owner_a).get(f"/api/developers/apps/{app_a.app.pk}/calls")
    assert calls.status_code == 200
    rows = calls.json()["items"]
    assert [(r["method"], r["path"], r["scope"], r["status_code"]) for r in rows] == [
        ("GET", "/api/catalog/merchant/products/999999", "products:read", 404),
        ("GET", f"/api/orders/merchant/{merchant_a.pk}/orders", "orders:read", 200)]
    assert all(r["latency_ms"] >= 0 for r in rows)
    other = api_client_for(owner_b).get(f"/api/developers/apps/{app_a.app.pk}/calls")
    assert other.status_code == 404


def test_calls_are_purged_after_the_retention(
        app_a: Registered, app_client: Callable[..., Client], merchant_a: Merchant) -> None:
    app_client(app_a).get(f"/api/orders/merchant/{merchant_a.pk}/orders")
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert services.api_calls_purge() == 0
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert services.api_calls_purge() == 1
    assert not ApiCall.objects.exists()


def test_an_app_over_its_rate_limit_gets_429_with_retry_after(
        app_a: Registered, app_client: Callable[..., Client], merchant_a: Merchant,
        owner_a: User) -> None:
    services.app_update(user=owner_a, app_id=app_a.app.pk, rate_limit_per_minute=3)
    api = app_client(app_a)
    with time_machine.travel(timezone.now(), tick=False):  # all in one one-minute window
        codes = [api.get(f"/api/orders/merchant/{merchant_a.pk}/orders").status_code
                 for _ in range(4)]
        last = api.get(f"/api/orders/merchant/{merchant_a.pk}/orders")
    assert codes == [200, 200, 200, 429]
    assert last.status_code == 429 and 1 <= int(last["Retry-After"]) <= 60


def test_an_idempotency_key_holds_across_the_apps_fresh_tokens(
        app_a: Registered, app_client: Callable[..., Client], order_a: Order) -> None:
    body = {"order_no": order_a.order_no, "carrier": "sf", "tracking_no": "SF1234567"}
    first = app_client(app_a).post("/api/logistics/shipments", body, content_type=JSON,
                                   HTTP_IDEMPOTENCY_KEY="ship-1")
    again = app_client(app_a).post("/api/logistics/shipments", body, content_type=JSON,
                                   HTTP_IDEMPOTENCY_KEY="ship-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]


def test_the_apps_user_is_not_listed_among_the_staff(
        app_a: Registered, merchant_a: Merchant) -> None:
    assert [s.user_id for s in merchant_staff_list(merchant=merchant_a)] == [merchant_a.owner_id]
    assert not app_a.app.user.has_usable_password()
