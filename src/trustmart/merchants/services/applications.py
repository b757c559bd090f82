"""入驻: a user applies with company papers; an operator approves or rejects with a reason.

Every check runs before anything is written, so bad input saves nothing (not even a file).
A decision is a conditional ``UPDATE ... WHERE status = 'pending'``: of two operators deciding
the same application at once, one wins and the other gets a Conflict, so an application never
makes two merchants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import Role
from trustmart.accounts.services import role_grant
from trustmart.accounts.validators import normalize_mobile
from trustmart.core.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, invalid
from trustmart.core.states import StateMachine

from ..events import MERCHANT_APPROVED, MerchantApproved
from ..models import ApplicationDecision, Merchant, MerchantApplication, MerchantStaff
from ..selectors import require_operator
from ..validators import CheckedDocument, check_document, normalize_credit_code

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

AppStatus = MerchantApplication.Status
MAX_MAIN_CATEGORIES = 3
REJECT_REASON_MAX = 1000


def _text(value: str, *, field: str, low: int, high: int) -> str:
    text = " ".join((value or "").split())
    if not low <= len(text) <= high:
        raise invalid(field, _("Enter %(low)d to %(high)d characters.")
                      % {"low": low, "high": high}, code="invalid_length")
    return text


def _main_categories(ids: Sequence[int | str]) -> list[Any]:
    """1 to 3 distinct, active, top-level catalog categories (referenced by name only)."""
    try:
        wanted = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        wanted = []
    if not 1 <= len(wanted) <= MAX_MAIN_CATEGORIES:
        raise invalid("main_categories", _("Choose one to three main categories."),
                      code="invalid_main_categories")
    category_model = apps.get_model("catalog", "Category")
    found = list(category_model.objects.filter(pk__in=wanted, parent__isnull=True,
                                               is_active=True))
    if len(found) != len(wanted):
        raise invalid("main_categories", _("Choose main categories from the list."),
                      code="invalid_main_categories")
    return found


class _Errors:
    """Collects every field error so a form shows them all at once."""

    def __init__(self) -> None:
        self.first: InvalidInput | None = None
        self.fields: dict[str, list[str]] = {}

    def check(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as exc:
            self.first = self.first or exc
            for name, messages in exc.fields.items():
                self.fields.setdefault(name, []).extend(messages)
            return None

    def raise_any(self) -> None:
        if self.first is not None:
            raise InvalidInput(self.first.message, code=self.first.code, fields=self.fields)


def _contact_mobile(raw: str) -> str:
    try:
        return normalize_mobile(raw)
    except InvalidInput as exc:
        raise invalid("contact_mobile", exc.message, code=exc.code) from None


def _refuse_conflicts(*, applicant: User, credit_code: str) -> None:
    if MerchantApplication.objects.filter(applicant=applicant, status=AppStatus.PENDING).exists():
        raise Conflict(_("You already have an application waiting for review."),
                       code="application_pending")
    if MerchantApplication.objects.filter(credit_code=credit_code,
                                          status=AppStatus.PENDING).exists():
        raise Conflict(_("An application for this company is already waiting for review."),
                       code="credit_code_pending")
    if Merchant.objects.filter(credit_code=credit_code).exists():
        raise Conflict(_("This company is already a merchant on TrustMart."),
                       code="credit_code_taken")


def application_submit(
    *, applicant: User | AnonymousUser, company_name: str, credit_code: str,
    legal_representative: str, contact_name: str, contact_mobile: str, brand_name: str,
    main_category_ids: Sequence[int | str], business_licence: UploadedFile | None,
    brand_authorisation: UploadedFile | None,
) -> MerchantApplication:
    """Submit an application. One pending application per user and per company at a time."""
    if not applicant.is_authenticated:
        raise NotAuthenticated()
    errors = _Errors()
    company = errors.check(_text, company_name, field="company_name", low=2, high=100)
    code = errors.check(normalize_credit_code, credit_code)
    legal = errors.check(_text, legal_representative, field="legal_representative",
                         low=2, high=50)
    contact = errors.check(_text, contact_name, field="contact_name", low=1, high=50)
    mobile = errors.check(_contact_mobile, contact_mobile)
    brand = errors.check(_text, brand_name, field="brand_name", low=1, high=50)
    categories = errors.check(_main_categories, main_category_ids)
    licence: CheckedDocument | None = errors.check(check_document, business_licence,
                                                   field="business_licence")
    authorisation: CheckedDocument | None = errors.check(check_document, brand_authorisation,
                                                         field="brand_authorisation")
    errors.raise_any()
    assert licence is not None and authorisation is not None
    user: User = applicant
    _refuse_conflicts(applicant=user, credit_code=code)

    application = MerchantApplication(
        applicant=user, company_name=company, credit_code=code, legal_representative=legal,
        contact_name=contact, contact_mobile=mobile, brand_name=brand,
    )
    try:
        with transaction.atomic():
            application.business_licence.save(f"licence.{licence.extension}",
                                              ContentFile(licence.content), save=False)
            application.brand_authorisation.save(f"authorisation.{authorisation.extension}",
                                                 ContentFile(authorisation.content), save=False)
            application.save()
            application.main_categories.set(categories)
    except IntegrityError:
        # A racing submission took the pending slot between the check and the insert.
        for stored in (application.business_licence, application.brand_authorisation):
            if stored.name:
                stored.storage.delete(stored.name)
        _refuse_conflicts(applicant=user, credit_code=code)
        raise Conflict(code="application_pending") from None
    return application


# An application is decided once; its history is the ApplicationDecision rows written beside it.
APPLICATION_STATES = StateMachine(MerchantApplication, transitions={
    AppStatus.PENDING: {AppStatus.APPROVED, AppStatus.REJECTED}})


def _decide(*, operator: User, application_id: int, status: str) -> MerchantApplication:
    """The guarded pending → approved/rejected update shared by approve and reject."""
    application = MerchantApplication.objects.filter(pk=application_id).first()
    if application is None:
        raise NotFound(_("This application does not exist."), code="application_not_found")
    if application.applicant_id == operator.pk:
        raise Conflict(_("You cannot review your own application."), code="own_application")
    if not APPLICATION_STATES.move(application, status, decided_at=timezone.now()):
        raise Conflict(_("This application has already been decided."),
                       code="application_already_decided")
    return application


def application_approve(*, operator: User | AnonymousUser, application_id: int,
                        reason: str = "") -> Merchant:
    """Approve: create the merchant, make the applicant its owner and merchant staff.

    The required deposit is the highest deposit of the main categories.
    """
    actor = require_operator(operator)
    note = " ".join((reason or "").split())[:REJECT_REASON_MAX]
    with transaction.atomic():
        application = _decide(operator=actor, application_id=application_id,
                              status=AppStatus.APPROVED)
        ApplicationDecision.objects.create(application=application, operator=actor,
                                           decision=ApplicationDecision.Decision.APPROVE,
                                           reason=note)
        required = max((c.deposit_fen for c in application.main_categories.all()), default=0)
        try:
            with transaction.atomic():
                merchant = Merchant.objects.create(
                    owner=application.applicant, application=application,
                    name=application.brand_name, company_name=application.company_name,
                    credit_code=application.credit_code, deposit_required_fen=required,
                    deposit_ok=required == 0,
                )
        except IntegrityError:
            raise Conflict(_("This company is already a merchant on TrustMart."),
                           code="credit_code_taken") from None
        MerchantStaff.objects.create(merchant=merchant, user=application.applicant,
                                     role=MerchantStaff.Role.OWNER, added_by=actor)
        role_grant(user=application.applicant, role=Role.MERCHANT_STAFF, granted_by=actor)
        MERCHANT_APPROVED.publish(MerchantApproved(merchant_id=merchant.pk,
                                                   application_id=application.pk))
    return merchant


def application_reject(*, operator: User | AnonymousUser, application_id: int,
                       reason: str) -> MerchantApplication:
    """Reject with a reason the applicant will read; they may apply again."""
    actor = require_operator(operator)
    text = (reason or "").strip()
    if not text:
        raise invalid("reason", _("Please tell the applicant why the application is rejected."),
                      code="reason_required")
    if len(text) > REJECT_REASON_MAX:
        raise invalid("reason", _("The reason is too long (at most 1000 characters)."),
                      code="reason_too_long")
    with transaction.atomic():
        application = _decide(operator=actor, application_id=application_id,
                              status=AppStatus.REJECTED)
        ApplicationDecision.objects.create(application=application, operator=actor,
                                           decision=ApplicationDecision.Decision.REJECT,
                                           reason=text)
    return application
