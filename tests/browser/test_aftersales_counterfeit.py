"""假一赔十 on a phone: a buyer claims a counterfeit on a received order, the merchant refuses,
the buyer asks the platform to step in, an operator upholds the claim; the buyer sees the refund
plus ten times the price, and the merchant's deposit shows the compensation taken from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.aftersales.models import Case, Status
from trustmart.aftersales.tests.factories import make_order
from trustmart.catalog.tests.factories import (
    image_bytes,
    make_category,
    make_live_product,
    make_merchant,
)
from trustmart.core.money import format_fen
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant
from trustmart.merchants.tests.factories import fund_deposit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"
BUYER_MOBILE = "13912345678"
SELLER_MOBILE = "13700001234"
OPERATOR_MOBILE = "13600001234"
PRICE_FEN = 19_900
DEPOSIT_FEN = 300_000


def log_in(page: Any, mobile: str, next_url: str) -> None:
    page.context.clear_cookies()
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_counterfeit_upheld_pays_ten_times(page: Any, shot: Any,
                                          make_user: Callable[..., User]) -> None:
    seller = make_user("王建国", password=PASSWORD, mobile=SELLER_MOBILE,
                       roles=(Role.MERCHANT_STAFF,))
    make_user("平台运营", password=PASSWORD, mobile=OPERATOR_MOBILE, roles=(Role.OPERATOR,))
    operator = make_user("审核员", roles=(Role.OPERATOR,))
    food = make_category("food", name="食品", licence=True, batches=True)
    tea = make_category("tea", name="茶叶", parent=food)
    merchant = make_merchant(seller, categories=[food])
    Merchant.objects.filter(pk=merchant.pk).update(deposit_required_fen=100_000)
    fund_deposit(merchant, DEPOSIT_FEN)
    product = make_live_product(seller, merchant, tea, operator, price_fen=PRICE_FEN)
    buyer = User.objects.create_user(mobile=BUYER_MOBILE, password=PASSWORD, nickname="小雨")
    order = make_order(buyer, product.skus.order_by("pk").first(), "received")  # type: ignore[arg-type]

    # The buyer claims a counterfeit from the order page, with a photo.
    log_in(page, BUYER_MOBILE, f"/orders/{order.order_no}/")
    shot("order-received")
    page.get_by_test_id("after-sale").first.click()
    form = page.get_by_test_id("case-form")
    form.locator("input[name=kind][value=counterfeit]").check()
    form.locator("select[name=reason]").select_option("counterfeit")
    form.locator("textarea[name=text]").fill("防伪码查询不到，包装印刷模糊")
    page.get_by_test_id("case-images").set_input_files(
        files=[{"name": "fake.png", "mimeType": "image/png", "buffer": image_bytes()}])
    shot("claim-form")
    page.get_by_test_id("case-submit").click()
    page.get_by_test_id("case-status").wait_for()
    case = Case.objects.get()
    assert case.status == Status.AWAITING_MERCHANT
    page.get_by_test_id("evidence").locator("img").first.wait_for()
    shot("case-opened")

    # The merchant refuses.
    log_in(page, SELLER_MOBILE, "/merchant/cases/")
    page.get_by_test_id("case-card").filter(has_text=case.case_no).click()
    page.locator("textarea[name=reason]").fill("我方为品牌直供正品")
    shot("merchant-case")
    page.get_by_test_id("merchant-reject").click()
    page.get_by_test_id("case-status").wait_for()
    case.refresh_from_db()
    assert case.status == Status.REJECTED

    # The buyer asks the platform to step in.
    log_in(page, BUYER_MOBILE, f"/cases/{case.case_no}/")
    page.locator("textarea[name=note]").fill("请平台鉴定")
    shot("rejected")
    page.get_by_test_id("escalate").click()
    page.get_by_test_id("case-status").wait_for()
    case.refresh_from_db()
    assert case.status == Status.ARBITRATION

    # The operator upholds it from the arbitration queue.
    log_in(page, OPERATOR_MOBILE, "/ops/cases/")
    shot("arbitration-queue")
    page.get_by_test_id("case-card").filter(has_text=case.case_no).click()
    decision = page.get_by_test_id("decision-form")
    decision.locator("select[name=decision]").select_option("upheld")
    decision.locator("textarea[name=reason]").fill("经鉴定为假冒商品，支持买家")
    shot("decision")
    page.get_by_test_id("decide").click()
    page.get_by_test_id("case-decision").wait_for()
    case.refresh_from_db()
    assert case.status == Status.UPHELD
    assert case.refund_fen == PRICE_FEN and case.compensation_fen == 10 * PRICE_FEN

    # The buyer sees the refund and the 10x compensation.
    log_in(page, BUYER_MOBILE, f"/cases/{case.case_no}/")
    assert format_fen(PRICE_FEN) in page.get_by_test_id("case-refund").inner_text()
    assert format_fen(10 * PRICE_FEN) in page.get_by_test_id("case-compensation").inner_text()
    shot("buyer-compensated")

    # The merchant's deposit shows it.
    log_in(page, SELLER_MOBILE, "/merchant/")
    balance = page.get_by_test_id("deposit-balance").inner_text()
    assert format_fen(DEPOSIT_FEN - 10 * PRICE_FEN) in balance
    shot("merchant-deposit")
    assert ledger_check() == []
