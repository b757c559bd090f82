from __future__ import annotations

import json
from collections.abc import Callable

from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Address, CartLine, ShippingRule

ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}
JSON = "application/json"


def test_cart_needs_log_in() -> None:
    assert Client().get("/api/orders/cart").status_code == 401


def test_address_crud_and_404_for_others(api_client_for: Callable[[User], Client],
                                         buyer: User, stranger: User) -> None:
    api = api_client_for(buyer)
    response = api.post("/api/orders/addresses", ADDRESS, content_type=JSON)
    assert response.status_code == 201 and response.json()["is_default"]
    address_id = response.json()["id"]
    other = api_client_for(stranger)
    assert other.get(f"/api/orders/addresses/{address_id}").status_code == 404
    assert other.put(f"/api/orders/addresses/{address_id}", {**ADDRESS, "city": "x"},
                     content_type=JSON).status_code == 404
    assert other.delete(f"/api/orders/addresses/{address_id}").status_code == 404
    assert other.post(f"/api/orders/addresses/{address_id}/default").status_code == 404
    bad = api.post("/api/orders/addresses", {**ADDRESS, "mobile": "1"}, content_type=JSON)
    assert bad.status_code == 422 and "mobile" in bad.json()["fields"]
    assert Address.objects.count() == 1
    assert api.put(f"/api/orders/addresses/{address_id}", {**ADDRESS, "city": "宁波市"},
                   content_type=JSON).json()["city"] == "宁波市"
    assert api.delete(f"/api/orders/addresses/{address_id}").status_code == 204
    assert api.get("/api/orders/addresses").json() == []


def test_shipping_rule_is_for_merchant_staff_only(api_client_for: Callable[[User], Client],
                                                  seller: User, stranger: User,
                                                  merchant: Merchant) -> None:
    url = f"/api/orders/merchants/{merchant.pk}/shipping-rule"
    api = api_client_for(seller)
    assert api.get(url).json()["configured"] is False
    body = {"flat_fee_fen": 600, "free_over_fen": 9_900, "remote_provinces": ["海南"],
            "remote_surcharge_fen": 1_000}
    assert api.put(url, body, content_type=JSON).json()["flat_fee_fen"] == 600
    other = api_client_for(stranger)
    assert other.get(url).status_code == 404
    assert other.put(url, {**body, "flat_fee_fen": 0}, content_type=JSON).status_code == 404
    assert ShippingRule.objects.get().flat_fee_fen == 600


def test_cart_lines(api_client_for: Callable[[User], Client], buyer: User, stranger: User,
                    sku: Sku) -> None:
    api = api_client_for(buyer)
    response = api.post("/api/orders/cart/lines", {"sku_id": sku.pk, "quantity": 2},
                        content_type=JSON)
    assert response.status_code == 201
    added = response.json()
    assert added["count"] == 2 and added["line"]["quantity"] == 2
    assert added["line"]["amount_fen"] == 2 * sku.price_fen and added["line"]["available"]
    again = api.post("/api/orders/cart/lines", {"sku_id": sku.pk, "quantity": 1},
                     content_type=JSON).json()
    assert again["count"] == 3 and again["line"]["quantity"] == 3
    assert again["line"]["id"] == added["line"]["id"]
    cart = api.get("/api/orders/cart").json()
    [group] = cart["groups"]
    assert group["subtotal_fen"] == 3 * sku.price_fen and cart["count"] == 3
    line_id = group["lines"][0]["id"]
    refused = api.post("/api/orders/cart/lines", {"sku_id": sku.pk, "quantity": 3},
                       content_type=JSON)
    assert refused.status_code == 422 and refused.json()["code"] == "purchase_limit_exceeded"
    other = api_client_for(stranger)
    assert other.patch(f"/api/orders/cart/lines/{line_id}", {"quantity": 1},
                       content_type=JSON).status_code == 404
    assert other.delete(f"/api/orders/cart/lines/{line_id}").status_code == 404
    patched = api.patch(f"/api/orders/cart/lines/{line_id}",
                        json.dumps({"selected": False}), content_type=JSON).json()
    assert patched["total_fen"] == 0
    assert api.delete(f"/api/orders/cart/lines/{line_id}").status_code == 204
    assert not CartLine.objects.exists()
