"""H5 pages: the applicant's, the console's and the operators'; 404 for everyone else."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.merchants import services
from trustmart.merchants.models import (
    Merchant,
    MerchantApplication,
    MerchantStaff,
    StaffInvitation,
)

from .factories import fund_deposit, pdf, png, submit, valid_code

pytestmark = pytest.mark.django_db


def _client(user: User, lang: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def test_pages_need_log_in() -> None:
    for path in ("/merchant/", "/merchant/apply/", "/merchant/application/",
                 "/merchant/staff/", "/merchant/invitations/", "/merchant/ops/applications/",
                 "/merchant/ops/merchants/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), path


def test_apply_page_flow(applicant: User, categories: dict[str, Any]) -> None:
    client = _client(applicant)
    page = client.get("/merchant/apply/").content.decode()
    assert "Unified social credit code" in page and 'type="file"' in page
    # Top-level categories only (match the rendered choice, not a bare substring: random
    # tokens in the page can contain any short word).
    assert re.search(r">\s*food\s*<", page) and not re.search(r">\s*tea\s*<", page)
    code = valid_code()
    response = client.post("/merchant/apply/", {
        "company_name": "福建山水茶业有限公司", "credit_code": code,
        "legal_representative": "王建国", "contact_name": "王建国",
        "contact_mobile": "13900000004", "brand_name": "山水茶业",
        "main_categories": [str(categories["food"].pk)],
        "business_licence": png(), "brand_authorisation": pdf()})
    assert response.status_code == 302 and response["Location"] == "/merchant/application/"
    application = MerchantApplication.objects.get()
    assert application.credit_code == code
    listing = client.get("/merchant/application/").content.decode()
    assert "山水茶业" in listing and "Waiting for review" in listing
    assert "Apply again" not in listing


def test_apply_errors_show_next_to_fields(applicant: User, categories: dict[str, Any]) -> None:
    response = _client(applicant).post("/merchant/apply/", {
        "company_name": "福建山水茶业有限公司", "credit_code": "914403001922038217",
        "legal_representative": "王建国", "contact_name": "王建国",
        "contact_mobile": "139", "brand_name": "山水茶业", "main_categories": [],
        "business_licence": png()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "its check character does not match" in page
    assert "Enter a valid mainland China mobile number" in page
    assert "Choose one to three main categories." in page
    assert "Please upload this document." in page
    assert not MerchantApplication.objects.exists()


def test_applicant_sees_decisions(applicant: User, operator: User,
                                  categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"]])
    services.application_reject(operator=operator, application_id=application.pk,
                                reason="营业执照照片不清晰")
    page = _client(applicant).get("/merchant/application/").content.decode()
    assert "Rejected" in page and "营业执照照片不清晰" in page and operator.nickname in page
    assert "Apply again" in page


def test_console_without_merchant(applicant: User) -> None:
    page = _client(applicant).get("/merchant/").content.decode()
    assert "You do not work for a merchant yet." in page


def test_console_shows_deposit_missing(merchant: Merchant, applicant: User) -> None:
    fund_deposit(merchant, 500_000)
    page = _client(applicant).get("/merchant/").content.decode()
    assert "Deposit missing: you cannot list products until ¥15000.00 is paid." in page
    assert f'href="/pay/deposit/{merchant.pk}/"' in page
    assert 'href="/merchant/products/' in page
    assert "¥20000.00" in page and "¥5000.00" in page


def test_console_states(merchant: Merchant, applicant: User, operator: User) -> None:
    client = _client(applicant)
    fund_deposit(merchant, merchant.deposit_required_fen)
    services.merchant_deposit_refresh(merchant_id=merchant.pk)
    assert "Selling: your products are visible to buyers." in client.get(
        "/merchant/").content.decode()
    services.merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="售假调查")
    page = client.get("/merchant/").content.decode()
    assert "Suspended by the platform" in page and "售假调查" in page


def test_console_picks_merchant(merchant: Merchant, applicant: User, operator: User,
                                categories: dict[str, Any], make_user: Callable[..., User]
                                ) -> None:
    from .factories import approved

    second = approved(applicant, operator, [categories["digital"]], brand_name="极光数码")
    client = _client(applicant)
    assert merchant.name in client.get("/merchant/").content.decode()
    assert "极光数码" in client.get(f"/merchant/?merchant={second.pk}").content.decode()
    other = approved(make_user(), operator, [categories["food"]], brand_name="别家")
    assert client.get(f"/merchant/?merchant={other.pk}").status_code == 404
    assert client.get("/merchant/?merchant=abc").status_code == 404
    assert client.get(f"/merchant/staff/?merchant={other.pk}").status_code == 404


def test_staff_pages(merchant: Merchant, applicant: User, make_user: Callable[..., User]
                     ) -> None:
    clerk = make_user("小李", mobile="13600000001")
    owner = _client(applicant)
    response = owner.post("/merchant/staff/invite/", {"merchant": merchant.pk,
                                                      "mobile": "13600000001"})
    assert response.status_code == 302
    invitation = StaffInvitation.objects.get()
    assert "13600000001" in owner.get(f"/merchant/staff/?merchant={merchant.pk}").content.decode()
    clerk_client = _client(clerk)
    page = clerk_client.get("/merchant/invitations/").content.decode()
    assert merchant.name in page
    answered = clerk_client.post(f"/merchant/invitations/{invitation.pk}/accept/",
                                 HTTP_HX_REQUEST="true")
    assert answered.status_code == 200 and "You joined" in answered.content.decode()
    assert MerchantStaff.objects.filter(user=clerk, merchant=merchant).exists()
    staff_page = clerk_client.get("/merchant/staff/").content.decode()
    assert "Only the owner can invite or remove staff." in staff_page
    assert clerk_client.post("/merchant/staff/invite/", {"merchant": merchant.pk,
                                                         "mobile": "13600000002"}
                             ).status_code == 404
    assert clerk_client.post(f"/merchant/staff/{applicant.pk}/remove/",
                             {"merchant": merchant.pk}).status_code == 404
    assert owner.post(f"/merchant/staff/{clerk.pk}/remove/",
                      {"merchant": merchant.pk}).status_code == 302
    assert not MerchantStaff.objects.filter(user=clerk).exists()


def test_staff_object_pages_are_404_for_others(merchant: Merchant, applicant: User,
                                               make_user: Callable[..., User]) -> None:
    invitation = services.staff_invitation_create(user=applicant, merchant_id=merchant.pk,
                                                  mobile="13600000001")
    outsider = _client(make_user())
    assert outsider.get(f"/merchant/?merchant={merchant.pk}").status_code == 404
    assert outsider.post("/merchant/staff/invite/", {"merchant": merchant.pk,
                                                     "mobile": "13600000002"}).status_code == 404
    assert outsider.post(f"/merchant/staff/invitations/{invitation.pk}/revoke/"
                         ).status_code == 404
    assert outsider.post(f"/merchant/staff/{applicant.pk}/remove/",
                         {"merchant": merchant.pk}).status_code == 404
    assert outsider.post(f"/merchant/invitations/{invitation.pk}/accept/").status_code == 404
    assert outsider.post("/merchant/profile/", {"merchant": merchant.pk,
                                                "introduction": "x"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert StaffInvitation.objects.count() == 1


def test_revoke_and_decline_pages(merchant: Merchant, applicant: User,
                                  make_user: Callable[..., User]) -> None:
    clerk = make_user(mobile="13600000001")
    first = services.staff_invitation_create(user=applicant, merchant_id=merchant.pk,
                                             mobile="13600000001")
    assert _client(clerk).post(f"/merchant/invitations/{first.pk}/decline/").status_code == 302
    second = services.staff_invitation_create(user=applicant, merchant_id=merchant.pk,
                                              mobile="13600000001")
    assert _client(applicant).post(f"/merchant/staff/invitations/{second.pk}/revoke/"
                                   ).status_code == 302
    assert set(StaffInvitation.objects.values_list("status", flat=True)) == {"declined",
                                                                             "revoked"}


def test_profile_edit_page(merchant: Merchant, applicant: User) -> None:
    response = _client(applicant).post("/merchant/profile/", {
        "merchant": merchant.pk, "introduction": "武夷山自有茶园", "logo": png("logo.png")})
    assert response.status_code == 302
    merchant.refresh_from_db()
    assert merchant.introduction == "武夷山自有茶园" and merchant.logo


def test_ops_pages_are_404_for_non_operators(merchant: Merchant, applicant: User,
                                             categories: dict[str, Any],
                                             make_user: Callable[..., User]) -> None:
    application = submit(make_user(), [categories["food"]])
    for someone in (applicant, make_user()):
        client = _client(someone)
        assert client.get("/merchant/ops/applications/").status_code == 404
        assert client.get(f"/merchant/ops/applications/{application.pk}/").status_code == 404
        assert client.post(f"/merchant/ops/applications/{application.pk}/approve/"
                           ).status_code == 404
        assert client.post(f"/merchant/ops/applications/{application.pk}/reject/",
                           {"reject-reason": "x"}).status_code == 404
        assert client.get("/merchant/ops/merchants/").status_code == 404
        assert client.post(f"/merchant/ops/merchants/{merchant.pk}/suspend/",
                           {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    merchant.refresh_from_db()
    assert application.status == "pending" and merchant.status == "active"


def test_ops_review_pages(applicant: User, operator: User, categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"], categories["beauty"]])
    ops = _client(operator)
    queue = ops.get("/merchant/ops/applications/").content.decode()
    assert application.brand_name in queue
    detail = ops.get(f"/merchant/ops/applications/{application.pk}/").content.decode()
    assert application.credit_code in detail and "¥20000.00" in detail
    assert f"/merchant/application/{application.pk}/documents/business_licence/" in detail
    no_reason = ops.post(f"/merchant/ops/applications/{application.pk}/reject/",
                         {"reject-reason": ""})
    assert no_reason.status_code == 422
    assert "Please tell the applicant why" in no_reason.content.decode()
    approved = ops.post(f"/merchant/ops/applications/{application.pk}/approve/",
                        {"approve-reason": "资质齐全"})
    assert approved.status_code == 302
    assert Merchant.objects.get().owner == applicant
    twice = ops.post(f"/merchant/ops/applications/{application.pk}/approve/", follow=True)
    assert "already been decided" in twice.content.decode()
    assert Merchant.objects.count() == 1


def test_ops_merchant_actions_with_htmx(merchant: Merchant, operator: User) -> None:
    ops = _client(operator)
    assert merchant.name in ops.get("/merchant/ops/merchants/").content.decode()
    missing = ops.post(f"/merchant/ops/merchants/{merchant.pk}/suspend/", {"reason": ""},
                       HTTP_HX_REQUEST="true")
    assert "Please give a reason." in missing.content.decode()
    row = ops.post(f"/merchant/ops/merchants/{merchant.pk}/suspend/", {"reason": "调查"},
                   HTTP_HX_REQUEST="true").content.decode()
    assert 'id="merchant-' in row and "Suspended" in row and "Reinstate" in row
    assert ops.post(f"/merchant/ops/merchants/{merchant.pk}/reinstate/").status_code == 302
    assert ops.post(f"/merchant/ops/merchants/{merchant.pk}/explode/").status_code == 404
    merchant.refresh_from_db()
    assert merchant.status == "active"
