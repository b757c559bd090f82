"""The whole story on phones: A shares a product, B opens A's link and re-shares it, C buys
through B's link and pays; the order settles; B (level 1) and A (level 2) see their earnings,
and B withdraws."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.commissions import services
from trustmart.commissions.models import Commission, CommissionWithdrawal
from trustmart.ledger.selectors import ledger_check
from trustmart.orders import services as order_services
from trustmart.orders.models import Order
from trustmart.orders.settlement import order_settle
from trustmart.sharing.models import Share
from trustmart.stores.models import Store, StoreItem
from trustmart.stores.tests.factories import make_category, make_merchant, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, locale="zh-CN", base_url=live_server.url)
    context.set_default_timeout(20_000)
    return context


def log_in(tab: Any, mobile: str, next_url: str) -> None:
    tab.goto(f"/login/?next={next_url}")
    tab.get_by_label("手机号").fill(mobile)
    tab.get_by_label("密码").fill(PASSWORD)
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_url(f"**{next_url}")


def share(tab: Any, product_id: int, channel: str) -> str:
    tab.goto(f"/p/{product_id}/")
    tab.get_by_test_id("share-button").click()
    tab.get_by_test_id("share-sheet").wait_for()
    tab.get_by_test_id(f"channel-{channel}").click()
    tab.get_by_test_id("share-kit").wait_for()
    return str(tab.get_by_test_id("share-link").input_value())


def test_a_shares_b_reshares_c_buys_b_withdraws(page: Any, shot: Any, browser: Any,
                                                live_server: Any, settings: Any,
                                                tmp_path: Any, operator: User) -> None:
    settings.MEDIA_ROOT = tmp_path
    services.policy_change(user=operator, level2_enabled=True, level2_bps=300,
                           min_click_to_pay_seconds=0)
    brand = User.objects.create_user(mobile="13900009999", password=PASSWORD, nickname="品牌方")
    product = make_product(make_merchant(brand, name="山水茶业"), make_category("茶叶"),
                           name="明前龙井 250g", price_fen=12_800)
    people = {}
    for key, mobile, nickname in (("a", "13911110001", "阿甲"), ("b", "13911110002", "小乙"),
                                  ("c", "13911110003", "丙丙")):
        people[key] = User.objects.create_user(mobile=mobile, password=PASSWORD,
                                               nickname=nickname)
    for key in ("a", "b"):
        store = Store.objects.create(owner=people[key], name=f"{people[key].nickname}的小店")
        StoreItem.objects.create(store=store, product=product)
    order_services.address_create(user=people["c"], recipient_name="丙丙",
                                  mobile="13911110003", province="浙江", city="杭州市",
                                  district="西湖区", detail="文三路 478 号")

    # A shares to WeChat Moments.
    log_in(page, "13911110001", f"/p/{product.pk}/")
    link_a = share(page, product.pk, "wechat_moments")
    shot("a-share-kit")

    # B opens A's link on their phone and re-shares to a WeChat friend.
    b_context = phone(browser, live_server)
    c_context = phone(browser, live_server)
    try:
        b = b_context.new_page()
        log_in(b, "13911110002", "/me/")
        b.goto(link_a)
        b.get_by_test_id("product-page").wait_for()
        link_b = share(b, product.pk, "wechat_friend")
        share_b = Share.objects.get(sharer=people["b"])
        assert share_b.parent is not None and share_b.parent.sharer == people["a"]

        # C opens B's link, buys and pays.
        c = c_context.new_page()
        log_in(c, "13911110003", "/me/")
        c.goto(link_b)
        c.get_by_test_id("product-page").wait_for()
        c.get_by_test_id("add-to-cart").click()
        c.get_by_test_id("cart-toast").wait_for()
        c.goto("/cart/")
        c.get_by_test_id("go-checkout").click()
        c.get_by_test_id("checkout-group").wait_for()
        c.get_by_test_id("submit-order").click()
        c.get_by_test_id("checkout-cashier").wait_for()
        c.get_by_test_id("go-pay").click()
        c.get_by_test_id("pay-succeeded").click()
        c.get_by_test_id("result-title").wait_for()

        order = Order.objects.get(buyer=people["c"])
        got = {x.level: x for x in Commission.objects.filter(order_no=order.order_no)}
        assert (got[1].earner, got[1].amount_fen) == (people["b"], 1280)
        assert (got[2].earner, got[2].amount_fen) == (people["a"], 384)

        # The merchant ships, C confirms, the after-sale window passes, the order settles.
        order_services.order_ship(order_no=order.order_no)
        order_services.order_confirm_receipt(order_no=order.order_no)
        Order.objects.filter(pk=order.pk).update(
            settle_due_at=timezone.now() - timedelta(minutes=1))
        assert order_settle(order_no=order.order_no)

        # B sees the available commission and withdraws it.
        b.goto("/me/earnings/")
        assert b.get_by_test_id("earnings-available").inner_text() == "¥12.80"
        b.screenshot(path=str(shot("b-earnings")), full_page=True)  # B's phone, not A's
        # Where the money goes: B's own WeChat 零钱 (the sandbox's, on this sandbox site).
        b.get_by_test_id("payout-account-link").click()
        b.get_by_test_id("bind-wechat").click()
        b.get_by_test_id("payout-account").wait_for()
        b.goto("/me/earnings/")
        b.locator("input[name=amount]").fill("12.80")
        b.get_by_test_id("withdraw").click()
        b.locator("[data-testid=withdrawal][data-status=succeeded]").wait_for()
        assert b.get_by_test_id("earnings-available").inner_text() == "¥0.00"
        b.screenshot(path=str(shot("b-withdrawn")), full_page=True)  # B's phone, not A's
    finally:
        b_context.close()
        c_context.close()

    # A earned level 2.
    page.goto("/me/earnings/")
    assert page.get_by_test_id("earnings-available").inner_text() == "¥3.84"
    shot("a-earnings")
    assert CommissionWithdrawal.objects.get(user=people["b"]).amount_fen == 1280
    assert ledger_check() == []
