from __future__ import annotations

from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Product, Sku
from trustmart.merchants.models import Merchant
from trustmart.orders import services
from trustmart.orders.models import Address, CartLine, ShippingRule

ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_visitor_cart_asks_to_log_in_and_add_redirects(sku: Sku) -> None:
    response = Client().get("/cart/")
    assert response.status_code == 200 and 'data-testid="cart-login"' in response.content.decode()
    response = Client().post("/cart/add/", {"sku_id": sku.pk})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Client().get("/my/addresses/").status_code == 302
    assert not CartLine.objects.exists()


def test_address_pages(buyer: User, stranger: User) -> None:
    client = client_for(buyer)
    response = client.post("/my/addresses/new/", ADDRESS)
    assert response.status_code == 302
    address = Address.objects.get()
    assert "张三" in client.get("/my/addresses/").content.decode()
    bad = client.post("/my/addresses/new/", {**ADDRESS, "mobile": "12"})
    assert bad.status_code == 200 and Address.objects.count() == 1
    other = client_for(stranger)
    assert other.get(f"/my/addresses/{address.pk}/edit/").status_code == 404
    assert other.post(f"/my/addresses/{address.pk}/edit/", ADDRESS).status_code == 404
    assert other.post(f"/my/addresses/{address.pk}/delete/").status_code == 404
    assert other.post(f"/my/addresses/{address.pk}/default/").status_code == 404
    client.post(f"/my/addresses/{address.pk}/edit/", {**ADDRESS, "city": "宁波市"})
    address.refresh_from_db()
    assert address.city == "宁波市"
    client.post(f"/my/addresses/{address.pk}/delete/")
    assert not Address.objects.exists()


def test_shipping_page_for_staff_only(seller: User, stranger: User, merchant: Merchant) -> None:
    client = client_for(seller)
    assert 'data-testid="no-rule"' in client.get("/merchant/shipping/").content.decode()
    response = client.post("/merchant/shipping/", {"flat_fee": "8", "free_over": "99.00",
                                                   "remote_provinces": ["新疆", "西藏"],
                                                   "remote_surcharge": "15"})
    assert response.status_code == 302
    rule = ShippingRule.objects.get()
    assert (rule.flat_fee_fen, rule.free_over_fen, rule.remote_surcharge_fen) == (800, 9_900,
                                                                                  1_500)
    other = client_for(stranger)
    assert other.get(f"/merchant/shipping/?merchant={merchant.pk}").status_code == 404
    assert other.post(f"/merchant/shipping/?merchant={merchant.pk}",
                      {"flat_fee": "0"}).status_code == 404
    assert ShippingRule.objects.get().flat_fee_fen == 800


def test_add_from_product_page_with_htmx(buyer: User, sku: Sku, live: Product) -> None:
    client = client_for(buyer)
    page = client.get(f"/p/{live.pk}/").content.decode()
    assert 'data-testid="cart-add-form"' in page
    response = client.post("/cart/add/", {"sku_id": sku.pk, "quantity": 2},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="cart-toast"' in html and 'id="cart-count"' in html and ">2<" in html
    refused = client.post("/cart/add/", {"sku_id": sku.pk, "quantity": 50},
                          HTTP_HX_REQUEST="true").content.decode()
    assert "toast-error" in refused
    assert CartLine.objects.get().quantity == 2


def test_cart_page_steppers_and_404(buyer: User, stranger: User, sku: Sku) -> None:
    line = services.cart_line_add(user=buyer, sku_id=sku.pk)
    client = client_for(buyer)
    html = client.get("/cart/").content.decode()
    assert 'data-testid="cart-line"' in html and 'data-testid="cart-total"' in html
    response = client.post(f"/cart/lines/{line.pk}/", {"action": "inc"}, HTTP_HX_REQUEST="true")
    assert 'data-testid="cart-line"' in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 2
    other = client_for(stranger)
    assert other.post(f"/cart/lines/{line.pk}/", {"action": "remove"}).status_code == 404
    assert CartLine.objects.filter(pk=line.pk).exists()
    client.post(f"/cart/lines/{line.pk}/", {"action": "deselect"})
    line.refresh_from_db()
    assert not line.selected
    client.post(f"/cart/lines/{line.pk}/", {"action": "remove"})
    assert not CartLine.objects.exists()
