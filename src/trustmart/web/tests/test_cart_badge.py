"""The 购物车 tab's badge: the number of items in the signed-in buyer's cart, for one query."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Sku
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.orders.models import CartLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def skus(make_user: Callable[..., User], operator: User) -> list[Sku]:
    seller = make_user("王建国", roles=(Role.MERCHANT_STAFF,))
    tea = make_category("tea", name="茶叶")
    merchant = make_merchant(seller, categories=[tea])
    product = make_live_product(seller, merchant, tea, operator, stock=500)
    return list(product.skus.order_by("pk"))


def _english(user: User | None = None) -> Client:
    client = Client(headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _cart_tab(html: str) -> str:
    match = re.search(r'<a [^>]*id="cart-tab".*?</a>', html, re.S)
    assert match, "no cart tab"
    return match.group(0)


def _cart_reads(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum('"orders_cartline"' in q["sql"] for q in queries.captured_queries)


def test_the_badge_counts_items_not_lines(make_user: Callable[..., User],
                                          skus: list[Sku]) -> None:
    buyer = make_user("买家")
    CartLine.objects.create(user=buyer, sku=skus[0], quantity=2)
    CartLine.objects.create(user=buyer, sku=skus[1], quantity=1)
    CartLine.objects.create(user=make_user(), sku=skus[0], quantity=7)  # someone else's
    tab = _cart_tab(_english(buyer).get("/").content.decode())
    assert 'aria-label="Cart, 3 items"' in tab
    assert re.search(r'data-testid="cart-count">3<', tab)


def test_an_empty_cart_and_a_visitor_show_no_badge(make_user: Callable[..., User]) -> None:
    for client in (_english(make_user()), _english()):
        tab = _cart_tab(client.get("/discover/").content.decode())
        assert 'aria-label="Cart"' in tab and 'data-testid="cart-count"' not in tab


def test_more_than_99_items_show_99_plus(make_user: Callable[..., User],
                                         skus: list[Sku]) -> None:
    buyer = make_user()
    CartLine.objects.create(user=buyer, sku=skus[0], quantity=99)
    tab = _cart_tab(_english(buyer).get("/").content.decode())
    assert re.search(r'data-testid="cart-count">99<', tab) and "Cart, 99 items" in tab
    CartLine.objects.create(user=buyer, sku=skus[1], quantity=1)
    tab = _cart_tab(_english(buyer).get("/").content.decode())
    assert re.search(r'data-testid="cart-count">99\+<', tab) and "Cart, 99+ items" in tab


def test_one_read_per_page_with_the_tab_bar_and_none_elsewhere(
        make_user: Callable[..., User], skus: list[Sku]) -> None:
    buyer = make_user()
    CartLine.objects.create(user=buyer, sku=skus[0], quantity=2)
    client = _english(buyer)
    for path in ("/", "/discover/", f"/p/{skus[0].product_id}/", "/me/"):
        assert _cart_reads(client, path) == 1, path
    # the cart page reads its lines once for itself and once for the badge
    assert _cart_reads(client, "/cart/") == 2
    # no tab bar, no read: an API answer and a PNG
    assert _cart_reads(client, "/api/sharing/policy") == 0
    # a visitor's pages never read carts
    assert _cart_reads(_english(), "/") == 0


def test_adding_on_the_product_page_updates_the_badge(make_user: Callable[..., User],
                                                      skus: list[Sku]) -> None:
    buyer = make_user()
    client = _english(buyer)
    answer = client.post("/cart/add/", {"sku_id": skus[0].pk, "quantity": 2},
                         HTTP_HX_REQUEST="true").content.decode()
    swapped = _cart_tab(answer)  # swapped in place, out of band
    assert 'hx-swap-oob="true"' in swapped and "Cart, 2 items" in swapped
    client.post("/cart/add/", {"sku_id": skus[1].pk, "quantity": 1})  # without htmx
    assert "Cart, 3 items" in _cart_tab(client.get("/").content.decode())
