"""Applying, approving and rejecting: what is saved, what is refused, what is recorded."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile

from trustmart.accounts.models import Role, User
from trustmart.accounts.selectors import user_has_role
from trustmart.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound
from trustmart.core.models import OutboxEvent
from trustmart.merchants import services
from trustmart.merchants.models import (
    ApplicationDecision,
    Merchant,
    MerchantApplication,
    MerchantStaff,
)

from .factories import application_fields, approved, category, submit, valid_code

pytestmark = pytest.mark.django_db


def _stored_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "merchant-papers"
    return set(root.rglob("*")) if root.exists() else set()


def test_submit_saves_everything(applicant: User, categories: dict[str, Any]) -> None:
    code = valid_code()
    application = submit(applicant, [categories["food"], categories["beauty"]],
                         credit_code=code.lower(), contact_mobile="+86 139 1234 5678",
                         company_name="  福建山水茶业   有限公司 ")
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.PENDING
    assert application.credit_code == code
    assert application.contact_mobile == "13912345678"
    assert application.company_name == "福建山水茶业 有限公司"
    assert set(application.main_categories.all()) == {categories["food"], categories["beauty"]}
    assert str(application.business_licence.name).endswith(".png")
    assert str(application.brand_authorisation.name).endswith(".pdf")
    assert application.business_licence.read().startswith(b"\x89PNG")


BAD_INPUTS = [
    ({"credit_code": "914403001922038217"}, "credit_code", "invalid_credit_code"),
    ({"credit_code": "123"}, "credit_code", "invalid_credit_code"),
    ({"company_name": "x"}, "company_name", "invalid_length"),
    ({"legal_representative": ""}, "legal_representative", "invalid_length"),
    ({"contact_name": "   "}, "contact_name", "invalid_length"),
    ({"contact_mobile": "12345"}, "contact_mobile", "invalid_mobile"),
    ({"brand_name": ""}, "brand_name", "invalid_length"),
    ({"main_category_ids": []}, "main_categories", "invalid_main_categories"),
    ({"main_category_ids": [999_999]}, "main_categories", "invalid_main_categories"),
    ({"main_category_ids": ["x"]}, "main_categories", "invalid_main_categories"),
    ({"business_licence": None}, "business_licence", "document_required"),
    ({"brand_authorisation": SimpleUploadedFile("a.png", b"<svg/>", "image/png")},
     "brand_authorisation", "invalid_document"),
]


@pytest.mark.parametrize("override, field, code", BAD_INPUTS)
def test_bad_input_saves_nothing(applicant: User, categories: dict[str, Any],
                                 override: dict[str, Any], field: str, code: str) -> None:
    before = _stored_files()
    with pytest.raises(InvalidInput) as caught:
        submit(applicant, [categories["food"]], **override)
    assert field in caught.value.fields
    assert caught.value.code == code
    assert not MerchantApplication.objects.exists()
    assert _stored_files() == before


def test_sub_category_and_more_than_three_are_refused(applicant: User,
                                                      categories: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        submit(applicant, [categories["tea"]])
    extra = [categories["food"], categories["beauty"], categories["digital"]]
    extra.append(category("home", 100))
    with pytest.raises(InvalidInput):
        submit(applicant, extra)
    assert not MerchantApplication.objects.exists()


def test_all_field_errors_are_reported_at_once(applicant: User,
                                               categories: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        submit(applicant, [], credit_code="bad", brand_name="", business_licence=None)
    assert {"credit_code", "brand_name", "main_categories",
            "business_licence"} <= set(caught.value.fields)


def test_anonymous_cannot_apply(categories: dict[str, Any]) -> None:
    with pytest.raises(NotAuthenticated):
        services.application_submit(applicant=AnonymousUser(),
                                    **application_fields([categories["food"]]))


def test_one_pending_application_per_user(applicant: User, categories: dict[str, Any]) -> None:
    submit(applicant, [categories["food"]])
    with pytest.raises(Conflict) as caught:
        submit(applicant, [categories["food"]])
    assert caught.value.code == "application_pending"
    assert MerchantApplication.objects.count() == 1


def test_one_pending_application_per_company(make_user: Callable[..., User],
                                             categories: dict[str, Any]) -> None:
    code = valid_code()
    submit(make_user(), [categories["food"]], credit_code=code)
    with pytest.raises(Conflict) as caught:
        submit(make_user(), [categories["food"]], credit_code=code)
    assert caught.value.code == "credit_code_pending"


def test_credit_code_of_a_merchant_is_refused(merchant: Merchant, make_user: Callable[..., User],
                                              categories: dict[str, Any]) -> None:
    with pytest.raises(Conflict) as caught:
        submit(make_user(), [categories["food"]], credit_code=merchant.credit_code)
    assert caught.value.code == "credit_code_taken"


def test_approve_creates_merchant_owner_and_role(applicant: User, operator: User,
                                                 categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"], categories["beauty"]],
                         brand_name="山水茶业")
    merchant = services.application_approve(operator=operator, application_id=application.pk,
                                            reason="资质齐全")
    assert merchant.name == "山水茶业"
    assert merchant.owner == applicant
    assert merchant.credit_code == application.credit_code
    assert merchant.deposit_required_fen == 2_000_000  # the highest of the two categories
    assert merchant.status == Merchant.Status.ACTIVE
    assert merchant.deposit_ok is False
    owner = MerchantStaff.objects.get(merchant=merchant)
    assert (owner.user, owner.role) == (applicant, MerchantStaff.Role.OWNER)
    assert user_has_role(applicant, Role.MERCHANT_STAFF)
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.APPROVED
    assert application.decided_at is not None
    decision = ApplicationDecision.objects.get(application=application)
    assert (decision.operator, decision.decision, decision.reason) == (operator, "approve",
                                                                      "资质齐全")
    event = OutboxEvent.objects.get(name="merchant.approved")
    assert event.payload["merchant_id"] == merchant.pk


def test_approve_without_deposit_needed_may_sell_at_once(applicant: User, operator: User,
                                                         categories: dict[str, Any]) -> None:
    free = category("books", 0)
    assert approved(applicant, operator, [free]).deposit_ok is True


def test_reject_records_reason_and_allows_new_application(
        applicant: User, operator: User, categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"]])
    services.application_reject(operator=operator, application_id=application.pk,
                                reason="营业执照照片不清晰")
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.REJECTED
    decision = application.decisions.get()
    assert (decision.decision, decision.reason, decision.operator) == (
        "reject", "营业执照照片不清晰", operator)
    assert not Merchant.objects.exists()
    again = submit(applicant, [categories["food"]], credit_code=application.credit_code)
    assert again.status == MerchantApplication.Status.PENDING


def test_reject_needs_a_reason(applicant: User, operator: User,
                               categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"]])
    with pytest.raises(InvalidInput) as caught:
        services.application_reject(operator=operator, application_id=application.pk,
                                    reason="   ")
    assert caught.value.code == "reason_required"
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.PENDING
    assert not ApplicationDecision.objects.exists()


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_deciding_twice_is_refused(applicant: User, operator: User,
                                   categories: dict[str, Any], second: str) -> None:
    application = submit(applicant, [categories["food"]])
    services.application_approve(operator=operator, application_id=application.pk)
    with pytest.raises(Conflict) as caught:
        if second == "approve":
            services.application_approve(operator=operator, application_id=application.pk)
        else:
            services.application_reject(operator=operator, application_id=application.pk,
                                        reason="late")
    assert caught.value.code == "application_already_decided"
    assert Merchant.objects.count() == 1
    assert ApplicationDecision.objects.count() == 1


def test_only_operators_decide(applicant: User, make_user: Callable[..., User],
                               categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"]])
    for someone in (make_user(), applicant, AnonymousUser()):
        with pytest.raises(NotFound):
            services.application_approve(operator=someone, application_id=application.pk)
        with pytest.raises(NotFound):
            services.application_reject(operator=someone, application_id=application.pk,
                                        reason="no")
    application.refresh_from_db()
    assert application.status == MerchantApplication.Status.PENDING


def test_operator_cannot_review_own_application(operator: User,
                                                categories: dict[str, Any]) -> None:
    application = submit(operator, [categories["food"]])
    with pytest.raises(Conflict) as caught:
        services.application_approve(operator=operator, application_id=application.pk)
    assert caught.value.code == "own_application"
    assert not Merchant.objects.exists()


def test_staff_user_is_operator_too(applicant: User, make_user: Callable[..., User],
                                    categories: dict[str, Any]) -> None:
    admin_staff = make_user(is_staff=True)
    application = submit(applicant, [categories["food"]])
    assert services.application_approve(operator=admin_staff,
                                        application_id=application.pk).pk


def test_unknown_application(operator: User) -> None:
    with pytest.raises(NotFound):
        services.application_approve(operator=operator, application_id=424242)
