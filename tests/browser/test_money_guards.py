"""Guards a user sees: the operator's commission bounds form shows rates as plain percent and
refuses a maximum above the published cap; a merchant suspended for its deposit is told on
the payable page why it cannot withdraw."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.selectors import commission_bounds
from trustmart.catalog.tests.factories import make_category, make_merchant
from trustmart.merchants.models import Merchant
from trustmart.merchants.services import merchant_deposit_refresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "s3cure-Passw0rd"


def test_bounds_form_and_payable_refusal(page: Any, shot: Any, log_in: Any,
                                         make_user: Callable[..., User]) -> None:
    operator = make_user("运营小周", roles=(Role.OPERATOR,))
    log_in(operator.mobile, PASSWORD)
    page.goto("/ops/commission/")
    maximum = page.locator("input[name=max_bps]")
    assert maximum.input_value() == "30"  # 3000 bps, not "3E+1"
    maximum.fill("60")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("最高佣金比例不得超过 50%").wait_for()
    shot("bounds-refused")
    assert commission_bounds() == (100, 3000)

    seller = make_user("王建国")
    merchant = make_merchant(seller, categories=[make_category("tea")])
    Merchant.objects.filter(pk=merchant.pk).update(deposit_required_fen=1_000_000)
    assert merchant_deposit_refresh(merchant_id=merchant.pk).status == "suspended"
    log_in(seller.mobile, PASSWORD)
    page.goto("/merchant/payable/")
    refused = page.get_by_test_id("withdrawal-refused")
    refused.wait_for()
    assert "保证金" in refused.inner_text() and "¥10000.00" in refused.inner_text()
    assert page.get_by_test_id("withdrawal-form").get_by_role("button", name="提现").is_disabled()
    shot("payable-refused")
