"""A buyer on a phone goes from the cart to checkout, submits (landing on the cashier), finds
the order under 待付款 in 我的订单 and cancels it from the order page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.orders import services
from trustmart.orders.models import Checkout, Order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def test_cart_to_checkout_to_my_orders(page: Any, shot: Any,
                                       make_user: Callable[..., User]) -> None:
    seller = make_user("王建国", roles=(Role.MERCHANT_STAFF,))
    operator = make_user("运营", roles=(Role.OPERATOR,))
    food = make_category("food", name="食品", licence=True, batches=True)
    tea = make_category("tea", name="茶叶", parent=food)
    merchant = make_merchant(seller, categories=[food])
    product = make_live_product(seller, merchant, tea, operator)
    sku = product.skus.order_by("pk").first()
    assert sku is not None
    buyer = User.objects.create_user(mobile="13912345678", password=PASSWORD, nickname="小雨")
    services.address_create(user=buyer, recipient_name="张三", mobile="13800001111",
                            province="浙江", city="杭州市", district="西湖区",
                            detail="文三路 1 号")
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2)

    page.goto("/login/?next=/cart/")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/cart/")
    page.get_by_test_id("go-checkout").click()
    page.wait_for_url("**/checkout/")
    page.get_by_test_id("checkout-group").wait_for()
    page.locator("input[name=note]").fill("请用纸箱包装")
    shot("checkout")
    page.get_by_test_id("submit-order").click()
    page.wait_for_url("**/pay/checkout/**")
    checkout = Checkout.objects.get(buyer=buyer)
    assert page.url.endswith(f"/pay/checkout/{checkout.checkout_no}/")

    page.goto("/orders/?tab=unpaid")
    page.get_by_test_id("order-card").wait_for()
    shot("my-orders-unpaid")
    page.get_by_test_id("order-card").click()
    page.get_by_test_id("order-timeline").wait_for()
    shot("order-detail")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("cancel-order").click()
    page.get_by_test_id("order-status").wait_for()
    assert Order.objects.get(buyer=buyer).status == Order.Status.CANCELLED
    shot("order-cancelled")
    sku.refresh_from_db()
    assert sku.stock == 10
