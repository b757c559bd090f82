"""The whole trading loop on a phone, with nothing faked between the pages.

A buyer finds a product through a reseller's store, picks a variant, adds it to the cart, adds
an address, checks out and pays in the sandbox; the merchant's staff ships it; the buyer
confirms receipt; once the after-sale window has passed, settlement pays the merchant the total
minus the platform fee, which the merchant sees on the payable page. The ledger stays balanced.

The live server runs in this process, so ``time_machine`` moves its clock too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from trustmart.accounts.models import Role, User
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.core.money import Rounding, apply_bps, format_fen
from trustmart.ledger.selectors import ledger_check
from trustmart.logistics.models import Shipment
from trustmart.orders.models import CartLine, Order
from trustmart.orders.settlement import merchant_payable_fen, orders_settle_due
from trustmart.stores import services as store_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"
BUYER_MOBILE = "13912345678"
SELLER_MOBILE = "13700001234"


def log_in(page: Any, mobile: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_store_to_settlement(page: Any, shot: Any, make_user: Callable[..., User]) -> None:
    seller = make_user("王建国", password=PASSWORD, mobile=SELLER_MOBILE,
                       roles=(Role.MERCHANT_STAFF,))
    operator = make_user("运营", roles=(Role.OPERATOR,))
    food = make_category("food", name="食品", licence=True, batches=True)
    tea = make_category("tea", name="茶叶", parent=food)
    merchant = make_merchant(seller, categories=[food])
    product = make_live_product(seller, merchant, tea, operator)
    big = product.skus.get(spec_key__contains="500g")
    reseller = make_user("李小姐")
    store = store_services.store_open(owner=reseller, name="小李的茶铺")
    store_services.store_item_add(owner=reseller, product_id=product.pk)
    User.objects.create_user(mobile=BUYER_MOBILE, password=PASSWORD, nickname="小雨")

    # The buyer: store page → product page (attributed to the store) → pick 500g → cart.
    log_in(page, BUYER_MOBILE, f"/s/{store.pk}/")
    page.get_by_test_id("store-product").first.wait_for()
    shot("store-page")
    page.get_by_test_id("store-product").first.locator("a").click()
    page.get_by_test_id("product-page").wait_for()
    assert f"store={store.pk}" in page.url
    page.get_by_test_id("sku-picker").locator(".c-chip", has_text="500g").click()
    assert page.get_by_test_id("cart-count").count() == 0  # an empty cart has no badge
    page.get_by_test_id("add-to-cart").click()
    page.get_by_test_id("cart-toast").wait_for()
    # the tab bar's 购物车 badge is updated in place, and named for screen readers
    page.get_by_test_id("cart-count").wait_for()
    assert page.get_by_test_id("cart-count").inner_text() == "1"
    label = page.get_by_test_id("cart-tab").get_attribute("aria-label") or ""
    assert re.search(r"(?<!\d)1(?!\d)", label), label  # "购物车，1 件商品"
    shot("added-to-cart")
    line = CartLine.objects.get(user__mobile=BUYER_MOBILE)
    assert (line.sku_id, line.store_id) == (big.pk, store.pk)

    # An address through the address book.
    page.goto("/my/addresses/")
    page.get_by_test_id("add-address").click()
    form = page.get_by_test_id("address-form")
    form.locator("input[name=recipient_name]").fill("张小雨")
    form.locator("input[name=mobile]").fill(BUYER_MOBILE)
    form.locator("select[name=province]").select_option(label="浙江")
    form.locator("input[name=city]").fill("杭州市")
    form.locator("input[name=district]").fill("西湖区")
    form.locator("input[name=detail]").fill("文三路 478 号华星时代广场 A 座 1201")
    form.locator("button[type=submit]").click()
    page.get_by_test_id("address").wait_for()
    assert page.get_by_test_id("cart-count").inner_text() == "1"  # the next page too

    # Cart → checkout → cashier → sandbox → 支付成功.
    page.goto("/cart/")
    page.get_by_test_id("go-checkout").click()
    page.get_by_test_id("checkout-group").wait_for()
    shot("checkout")
    page.get_by_test_id("submit-order").click()
    page.get_by_test_id("checkout-cashier").wait_for()
    order = Order.objects.get(buyer__mobile=BUYER_MOBILE)
    total = format_fen(order.total_fen)
    assert page.get_by_test_id("checkout-amount").inner_text() == total
    shot("cashier")
    page.get_by_test_id("go-pay").click()
    page.get_by_test_id("pay-succeeded").click()
    page.locator("[data-testid=result-status][data-status=succeeded]").wait_for()
    assert "支付成功" in page.get_by_test_id("result-title").inner_text()
    shot("paid")
    page.goto(f"/orders/{order.order_no}/")
    assert "待发货" in page.get_by_test_id("order-status").inner_text()
    assert page.get_by_test_id("attribution").is_visible()
    shot("order-to-ship")

    # The merchant's staff ships it.
    log_in(page, SELLER_MOBILE, "/merchant/orders/")
    page.get_by_test_id("order-card").filter(has_text=order.order_no).click()
    page.get_by_test_id("ship").click()
    ship_form = page.get_by_test_id("ship-form")
    ship_form.locator("select[name=carrier]").select_option("SF")
    ship_form.locator("input[name=tracking_no]").fill("SF1402345678901")
    shot("ship-form")
    ship_form.locator("button[type=submit]").click()
    page.get_by_test_id("package").wait_for()
    shot("shipped")
    assert Shipment.objects.get(order=order).tracking_no == "SF1402345678901"
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED

    # The buyer sees the package and confirms receipt.
    log_in(page, BUYER_MOBILE, f"/orders/{order.order_no}/")
    page.get_by_test_id("tracking-no").wait_for()
    assert page.get_by_test_id("tracking-no").inner_text() == "SF1402345678901"
    shot("order-shipped")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("confirm-receipt").click()
    page.wait_for_load_state()
    page.get_by_test_id("order-timeline").wait_for()
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED
    shot("received")

    # Not settled inside the after-sale window; settled once it has passed.
    assert orders_settle_due() == 0
    later = timezone.now() + timedelta(days=settings.ORDER_AFTER_SALE_DAYS, hours=1)
    with time_machine.travel(later):
        assert orders_settle_due() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    fee = apply_bps(order.total_fen, settings.PLATFORM_FEE_BPS, rounding=Rounding.HALF_UP)
    # The store's commission (reserved on the line when the order was paid) went to clearing.
    commission = sum(order.lines.values_list("commission_fen", flat=True))
    assert commission > 0
    net = order.total_fen - fee - commission
    assert fee > 0 and merchant_payable_fen(merchant=merchant) == net

    # The merchant sees the net amount on the payable page.
    log_in(page, SELLER_MOBILE, "/merchant/payable/")
    assert page.get_by_test_id("payable-balance").inner_text().count(format_fen(net)) == 1
    settled = page.get_by_test_id("settled-order")
    assert order.order_no in settled.inner_text()
    assert format_fen(net) in settled.inner_text()
    shot("payable")
    assert ledger_check() == []
