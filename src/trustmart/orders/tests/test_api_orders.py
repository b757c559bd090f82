from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.merchants.models import Merchant
from trustmart.orders import services
from trustmart.orders.models import Address, Checkout, Order

from .test_services import add_address

JSON = "application/json"


@pytest.fixture
def address(buyer: User, sku: Sku, other_sku: Sku) -> Address:
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
    services.cart_line_add(user=buyer, sku_id=other_sku.pk, quantity=2)
    return add_address(buyer)


def create(api: Client, address: Address, key: str = "key-1", **body: object) -> dict:
    response = api.post("/api/orders/checkouts", {"address_id": address.pk, **body},
                        content_type=JSON, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201, response.content
    return response.json()


def test_checkout_create_is_idempotent(api_client_for: Callable[[User], Client], buyer: User,
                                       address: Address, sku: Sku) -> None:
    api = api_client_for(buyer)
    body = create(api, address, note="放门口")
    assert len(body["orders"]) == 2 and body["total_fen"] == 19_900 + 10_000
    assert body["pay_url"] == f"/pay/checkout/{body['checkout_no']}/"
    again = create(api_client_for(buyer), address, note="放门口")  # another token, same key
    assert again["checkout_no"] == body["checkout_no"]
    assert Checkout.objects.count() == 1
    sku.refresh_from_db()
    assert sku.stock == 9
    reused = api.post("/api/orders/checkouts", {"address_id": address.pk, "note": "x"},
                      content_type=JSON, HTTP_IDEMPOTENCY_KEY="key-1")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


def test_checkout_bad_input_and_empty_cart(api_client_for: Callable[[User], Client],
                                           buyer: User, stranger: User,
                                           address: Address) -> None:
    api = api_client_for(stranger)
    assert api.post("/api/orders/checkouts", {"address_id": address.pk},
                    content_type=JSON).status_code == 404
    own = add_address(stranger)
    response = api.post("/api/orders/checkouts", {"address_id": own.pk}, content_type=JSON)
    assert response.status_code == 422 and response.json()["code"] == "cart_empty"
    assert Client().post("/api/orders/checkouts", {"address_id": own.pk},
                         content_type=JSON).status_code == 401
    assert not Checkout.objects.exists()


def test_buyer_endpoints_and_404_for_others(api_client_for: Callable[[User], Client],
                                            buyer: User, stranger: User,
                                            address: Address) -> None:
    api, other = api_client_for(buyer), api_client_for(stranger)
    body = create(api, address)
    order_no = body["orders"][0]["order_no"]
    assert api.get(f"/api/orders/checkouts/{body['checkout_no']}").status_code == 200
    assert other.get(f"/api/orders/checkouts/{body['checkout_no']}").status_code == 404
    detail = api.get(f"/api/orders/{order_no}").json()
    assert detail["events"][0]["kind"] == "created" and detail["lines"]
    assert api.get("/api/orders?tab=unpaid").json()["count"] == 2
    assert api.get("/api/orders?tab=to_ship").json()["count"] == 0
    assert other.get("/api/orders").json()["count"] == 0
    for url in (f"/api/orders/{order_no}", ):
        assert other.get(url).status_code == 404
    assert other.post(f"/api/orders/{order_no}/cancel", {}, content_type=JSON).status_code == 404
    assert other.post(f"/api/orders/{order_no}/confirm-receipt").status_code == 404
    assert api.post(f"/api/orders/{order_no}/confirm-receipt").status_code == 409
    cancelled = api.post(f"/api/orders/{order_no}/cancel", {"reason": "不要了"},
                         content_type=JSON)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_confirm_receipt(api_client_for: Callable[[User], Client], buyer: User,
                         address: Address) -> None:
    api = api_client_for(buyer)
    body = create(api, address)
    services.checkout_paid(checkout_no=body["checkout_no"], amount_fen=body["total_fen"],
                           payment_ref="p")
    order_no = body["orders"][0]["order_no"]
    services.order_ship(order_no=order_no)
    response = api.post(f"/api/orders/{order_no}/confirm-receipt")
    assert response.status_code == 200 and response.json()["status"] == "received"


def test_merchant_and_operator_endpoints(api_client_for: Callable[[User], Client],
                                         buyer: User, seller: User, other_seller: User,
                                         operator: User, merchant: Merchant,
                                         address: Address) -> None:
    body = create(api_client_for(buyer), address)
    services.checkout_paid(checkout_no=body["checkout_no"], amount_fen=body["total_fen"],
                           payment_ref="p")
    order = Order.objects.get(merchant=merchant)
    staff, other = api_client_for(seller), api_client_for(other_seller)
    listed = staff.get(f"/api/orders/merchant/{merchant.pk}/orders?tab=to_ship").json()
    assert [o["order_no"] for o in listed["items"]] == [order.order_no]
    assert staff.get(f"/api/orders/merchant/orders/{order.order_no}").status_code == 200
    assert other.get(f"/api/orders/merchant/{merchant.pk}/orders").status_code == 404
    assert other.get(f"/api/orders/merchant/orders/{order.order_no}").status_code == 404
    assert api_client_for(buyer).get(
        f"/api/orders/merchant/orders/{order.order_no}").status_code == 404
    assert staff.get("/api/orders/ops/orders").status_code == 404
    ops = api_client_for(operator).get(f"/api/orders/ops/orders?q={order.order_no}").json()
    assert [o["order_no"] for o in ops["items"]] == [order.order_no]
