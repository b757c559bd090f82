"""A buyer who opened a friend's share inside WeChat pays the checkout there: the cashier
picks WeChat's JSAPI path (the user agent says MicroMessenger), the pay sheet opens through
WeixinJSBridge (the sandbox's stand-in, loaded only in sandbox mode), a cancel changes
nothing, a confirm pays, and the result page shows it paid."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.ledger.selectors import ledger_check
from trustmart.orders import services as orders_services
from trustmart.orders.models import Checkout
from trustmart.payments.models import Payment

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"
WECHAT_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
             "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI "
             "Language/zh_CN")
ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}


def test_paying_inside_wechat_through_the_sandbox_bridge(
        browser: Any, live_server: Any, make_user: Callable[..., User], operator: User) -> None:
    seller = make_user("卖家", roles=(Role.MERCHANT_STAFF,))
    tea = make_category("tea", name="茶叶")
    shop = make_merchant(seller, categories=[tea], name="山水茶业")
    product = make_live_product(seller, shop, tea, operator, name="西湖龙井 250g",
                                price_fen=12_800, stock=20)
    buyer = make_user("买家", password=PASSWORD, mobile="13911112222")
    address = orders_services.address_create(user=buyer, **ADDRESS)  # type: ignore[arg-type]
    sku = product.skus.order_by("pk").first()
    assert sku is not None
    orders_services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2)
    checkout = orders_services.checkout_create(buyer=buyer, address_id=address.pk)

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="zh-CN", user_agent=WECHAT_UA,
                                  base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto("/login/")
        page.get_by_label("手机号").fill("13911112222")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url("**/me/")

        page.goto(f"/pay/checkout/{checkout.checkout_no}/")
        assert page.get_by_test_id("checkout-amount").inner_text() == "¥256.00"
        page.get_by_test_id("go-pay").click()
        # Inside WeChat the pay sheet opens at once, through the bridge.
        sheet = page.get_by_test_id("wx-sandbox-sheet")
        sheet.wait_for()
        assert "¥256.00" in sheet.inner_text() and "西湖龙井 250g等2件" in sheet.inner_text()
        page.screenshot(path=str(ARTIFACTS / "test_paying_inside_wechat-01-sheet.png"))
        page.get_by_test_id("wx-sandbox-cancel").click()
        page.get_by_text("你已取消支付，点击按钮重新支付。").wait_for()
        payment = Payment.objects.get()
        assert payment.status == "created" and payment.channel == "jsapi"

        page.get_by_test_id("jsapi-pay-button").click()
        page.get_by_test_id("wx-sandbox-confirm").click()
        page.locator("[data-testid=result-status][data-status=succeeded]").wait_for()
        assert page.get_by_test_id("result-amount").inner_text() == "¥256.00"
        page.screenshot(path=str(ARTIFACTS / "test_paying_inside_wechat-02-paid.png"))
    finally:
        context.close()
    payment.refresh_from_db()
    checkout.refresh_from_db()
    assert payment.status == "succeeded" and payment.provider_txn_id == f"SBX{payment.payment_no}"
    assert checkout.status == Checkout.Status.PAID
    assert ledger_check() == []
