"""On a phone: the owner invites staff, the invitee accepts in place (htmx), and an operator
suspends the merchant from the merchant list, which the owner then sees in the console."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps

from trustmart.accounts.models import Role, User
from trustmart.merchants import services
from trustmart.merchants.models import Merchant, MerchantStaff
from trustmart.merchants.tests.factories import pdf, png, valid_code

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


def test_staff_invitation_and_operator_suspension(page: Any, shot: Any,
                                                  make_user: Callable[..., User]) -> None:
    food = apps.get_model("catalog", "Category").objects.create(
        name="食品", slug="food", deposit_fen=1_000_000)
    owner = make_user("王建国", mobile="13900000004", password=PASSWORD)
    make_user("小李", mobile="13600000001", password=PASSWORD)
    operator = make_user("平台运营小周", mobile="13900000005", password=PASSWORD,
                         roles=(Role.OPERATOR,))
    application = services.application_submit(
        applicant=owner, company_name="福建山水茶业有限公司", credit_code=valid_code(),
        legal_representative="王建国", contact_name="王建国", contact_mobile=owner.mobile,
        brand_name="山水茶业", main_category_ids=[food.pk], business_licence=png(),
        brand_authorisation=pdf())
    merchant = services.application_approve(operator=operator, application_id=application.pk)

    _log_in(page, owner.mobile)
    page.goto("/merchant/")
    page.get_by_test_id("staff-link").click()
    form = page.get_by_test_id("invite-form")
    form.locator("[name=mobile]").fill("136 0000 0001")
    form.get_by_role("button").click()
    page.get_by_test_id("pending-invitation").wait_for()
    shot("owner-invited")
    _log_out(page)

    _log_in(page, "13600000001")
    page.goto("/merchant/invitations/")
    page.get_by_test_id("accept").click()
    page.get_by_test_id("invitation-answered").wait_for()
    assert MerchantStaff.objects.filter(merchant=merchant, user__mobile="13600000001").exists()
    shot("invitee-accepted")
    page.goto("/merchant/staff/")
    assert page.get_by_test_id("staff-member").count() == 2
    assert page.get_by_test_id("invite-form").count() == 0  # staff do not manage staff
    _log_out(page)

    _log_in(page, operator.mobile)
    page.goto("/merchant/ops/merchants/")
    row = page.get_by_test_id("merchant-row").first
    row.locator("[name=reason]").first.fill("售假投诉调查中")
    row.get_by_test_id("suspend").click()
    page.get_by_test_id("reinstate").wait_for()
    merchant.refresh_from_db()
    assert merchant.status == Merchant.Status.SUSPENDED
    shot("operator-suspended")
    _log_out(page)

    _log_in(page, owner.mobile)
    page.goto("/merchant/")
    alert = page.get_by_test_id("status-alert")
    assert "售假投诉调查中" in alert.inner_text()
    assert page.get_by_test_id("pay-deposit").count() == 0
    shot("owner-sees-suspension")
