"""A brand applies on a phone with its papers, an operator approves it, and the new merchant
sees the decision and a console that says the deposit is missing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from PIL import Image

from trustmart.accounts.models import Role, User
from trustmart.core.tests import pdfs
from trustmart.merchants.models import Merchant, MerchantApplication
from trustmart.merchants.validators import credit_code_check_char

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def _log_in(page: Any, mobile: str) -> None:
    page.goto("/login/")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_test_id("nickname").wait_for()


def _log_out(page: Any) -> None:
    page.goto("/me/")
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/")


def test_merchant_applies_is_approved_and_sees_deposit_missing(page: Any, shot: Any, tmp_path: Path,
                                           make_user: Callable[..., User]) -> None:
    category = apps.get_model("catalog", "Category")
    food = category.objects.create(name="食品", slug="food", deposit_fen=1_000_000)
    category.objects.create(name="美妆", slug="beauty", deposit_fen=2_000_000)
    make_user("王建国", mobile="13900000004", password=PASSWORD)
    make_user("平台运营小周", mobile="13900000005", password=PASSWORD, roles=(Role.OPERATOR,))
    licence = tmp_path / "licence.png"
    Image.new("RGB", (800, 560), (250, 248, 240)).save(licence)
    authorisation = tmp_path / "authorisation.pdf"
    authorisation.write_bytes(pdfs.real_pdf())
    body = "91350782MA2Y4K3L0"
    code = body + credit_code_check_char(body)

    _log_in(page, "13900000004")
    page.goto("/merchant/apply/")
    form = page.get_by_test_id("apply-form")
    form.locator("[name=company_name]").fill("福建山水茶业有限公司")
    form.locator("[name=credit_code]").fill(body + "X" if code[-1] != "X" else body + "0")
    form.locator("[name=legal_representative]").fill("王建国")
    form.locator("[name=brand_name]").fill("山水茶业")
    form.locator("[name=contact_name]").fill("王建国")
    form.locator("[name=contact_mobile]").fill("139 0000 0004")
    form.get_by_test_id("categories").get_by_text("食品").click()
    page.set_input_files("input[name=business_licence]", str(licence))
    page.set_input_files("input[name=brand_authorisation]", str(authorisation))
    page.get_by_test_id("submit-application").click()
    # a wrong check character is refused next to the field; nothing is saved
    page.locator(".has-error [name=credit_code]").wait_for()
    assert not MerchantApplication.objects.exists()
    shot("apply-refused")

    form = page.get_by_test_id("apply-form")
    form.locator("[name=credit_code]").fill(code)
    page.set_input_files("input[name=business_licence]", str(licence))
    page.set_input_files("input[name=brand_authorisation]", str(authorisation))
    shot("apply-filled")
    page.get_by_test_id("submit-application").click()
    page.get_by_test_id("application").wait_for()
    assert page.get_by_test_id("status").inner_text()
    application = MerchantApplication.objects.get()
    assert application.credit_code == code and application.status == "pending"
    assert list(application.main_categories.all()) == [food]
    shot("application-pending")
    _log_out(page)

    _log_in(page, "13900000005")
    page.goto("/merchant/ops/applications/")
    page.get_by_test_id("queue-item").first.click()
    page.get_by_test_id("application-detail").wait_for()
    assert code in page.get_by_test_id("application-detail").inner_text()
    assert page.get_by_test_id("required-deposit").inner_text() == "¥10000.00"
    assert page.locator("[data-testid=doc-licence] img").is_visible()
    shot("ops-review")
    page.get_by_test_id("approve-form").locator("textarea").fill("资质齐全，品牌授权完整")
    page.get_by_test_id("approve").click()
    page.get_by_test_id("queue").wait_for()
    assert page.get_by_test_id("queue-item").count() == 0
    merchant = Merchant.objects.get()
    assert merchant.name == "山水茶业" and merchant.deposit_required_fen == 1_000_000
    shot("ops-approved")
    _log_out(page)

    _log_in(page, "13900000004")
    page.goto("/merchant/application/")
    decisions = page.get_by_test_id("decisions")
    decisions.wait_for()
    assert "资质齐全，品牌授权完整" in decisions.inner_text()
    shot("applicant-sees-decision")
    page.get_by_test_id("open-console").click()
    page.get_by_test_id("merchant-card").wait_for()
    alert = page.get_by_test_id("status-alert")
    assert "¥10000.00" in alert.inner_text()
    pay = page.get_by_test_id("pay-deposit")
    assert pay.get_attribute("href") == f"/pay/deposit/{merchant.pk}/"
    assert page.get_by_test_id("deposit-missing").inner_text() == "¥10000.00"
    assert page.get_by_test_id("products-link").get_attribute("href").startswith(
        "/merchant/products/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing overflows the phone's width
    shot("console-deposit-missing")
