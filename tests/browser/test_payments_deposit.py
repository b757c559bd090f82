"""A merchant owner on a phone pays the guarantee deposit in the sandbox cashier."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant, MerchantApplication, MerchantStaff
from trustmart.merchants.selectors import merchant_deposit_balance_fen
from trustmart.payments.models import CallbackLog, Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"
MOBILE = "13955556666"


def approved_merchant(owner: User) -> Merchant:
    """What the merchants app leaves after an operator approves an application."""
    application = MerchantApplication.objects.create(
        applicant=owner, company_name="杭州山水茶业有限公司", credit_code="91330100MA27XYZ12K",
        legal_representative="王建国", contact_name="王建国", contact_mobile=MOBILE,
        brand_name="山水茶业", business_licence="merchant-papers/l.pdf",
        brand_authorisation="merchant-papers/a.pdf",
        status=MerchantApplication.Status.APPROVED, decided_at=timezone.now())
    merchant = Merchant.objects.create(
        owner=owner, application=application, name="山水茶业",
        company_name=application.company_name, credit_code=application.credit_code,
        deposit_required_fen=5_000_00, deposit_ok=False)
    MerchantStaff.objects.create(merchant=merchant, user=owner, role=MerchantStaff.Role.OWNER)
    return merchant


def test_merchant_owner_pays_the_deposit_in_the_sandbox(page: Any, shot: Any) -> None:
    owner = User.objects.create_user(mobile=MOBILE, password=PASSWORD, nickname="王建国")
    merchant = approved_merchant(owner)

    page.goto("/login/")
    page.get_by_label("手机号").fill(MOBILE)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/")

    page.goto(f"/pay/deposit/{merchant.pk}/")
    assert page.get_by_test_id("deposit-required").inner_text() == "¥5000.00"
    assert page.get_by_test_id("deposit-balance").inner_text() == "¥0.00"
    assert page.get_by_test_id("deposit-shortfall").inner_text() == "¥5000.00"
    assert page.locator("input[name=amount_fen]").input_value() == "5000.00"
    shot("deposit-page")

    page.get_by_test_id("go-pay").click()
    page.get_by_test_id("cashier").wait_for()
    assert page.get_by_test_id("cashier-amount").inner_text() == "¥5000.00"
    assert page.get_by_text("山水茶业").is_visible()
    for button in ("pay-succeeded", "pay-failed", "pay-cancelled"):
        box = page.get_by_test_id(button).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300  # big tap targets on a phone
    shot("sandbox-cashier")

    page.get_by_test_id("pay-succeeded").click()
    page.locator("[data-testid=result-status][data-status=succeeded]").wait_for()
    assert page.get_by_test_id("result-amount").inner_text() == "¥5000.00"
    shot("result")

    page.get_by_test_id("result-done").click()
    page.get_by_test_id("deposit-ok").wait_for()
    assert page.get_by_test_id("deposit-balance").inner_text() == "¥5000.00"
    assert page.get_by_test_id("deposit-shortfall").inner_text() == "¥0.00"
    shot("deposit-paid")

    page.goto("/pay/mine/")
    rows = page.get_by_test_id("payment-list").locator("li")
    assert rows.count() == 1
    assert "¥5000.00" in rows.first.inner_text()
    shot("my-payments")

    merchant.refresh_from_db()
    assert merchant.deposit_ok
    assert merchant_deposit_balance_fen(merchant=merchant) == 5_000_00
    payment = Payment.objects.get()
    assert payment.status == "succeeded"
    assert list(CallbackLog.objects.values_list("outcome", flat=True)) == ["applied"]
    assert ledger_check() == []
