"""Reads about merchants, always scoped to the acting user.

Another user's merchant, application or invitation is ``NotFound``: ids reveal nothing. Other
apps (catalog, stores, payments) call ``merchant_for_staff`` to authorise merchant-side work and
``merchant_is_selling`` to decide whether a merchant's goods may be shown and sold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.apps import apps
from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import is_operator, require_operator
from trustmart.core.errors import NotFound
from trustmart.ledger.models import Account, Purpose
from trustmart.ledger.selectors import account_find

from .models import (
    ApplicationDecision,
    Merchant,
    MerchantApplication,
    MerchantStaff,
    StaffInvitation,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

# The ledger owner type of a merchant's accounts (deposit now, payable later).
LEDGER_OWNER_TYPE = "merchant"


def _merchant_not_found() -> NotFound:
    return NotFound(_("This merchant does not exist."), code="merchant_not_found")


# --- merchants --------------------------------------------------------------------------------
def merchants_of_user(*, user: User | AnonymousUser) -> QuerySet[Merchant]:
    """The merchants ``user`` works for (as owner or staff), oldest first; status ignored."""
    if not user.is_authenticated:
        return Merchant.objects.none()
    return Merchant.objects.filter(staff__user=user).order_by("pk")


def merchant_for_staff(*, user: User | AnonymousUser, merchant_id: int) -> Merchant:
    """The merchant if ``user`` is its owner or staff, whatever its status; else NotFound."""
    merchant = merchants_of_user(user=user).filter(pk=merchant_id).first()
    if merchant is None:
        raise _merchant_not_found()
    return merchant


def merchant_for_owner(*, user: User | AnonymousUser, merchant_id: int) -> Merchant:
    """Like ``merchant_for_staff`` but only for the owner, who alone manages staff.

    Plain staff get NotFound too: for them the management endpoints do not exist.
    """
    if not user.is_authenticated:
        raise _merchant_not_found()
    merchant = Merchant.objects.filter(
        pk=merchant_id, staff__user=user, staff__role=MerchantStaff.Role.OWNER
    ).first()
    if merchant is None:
        raise _merchant_not_found()
    return merchant


def merchant_staff_role(*, user: User | AnonymousUser, merchant: Merchant) -> str | None:
    """``owner``, ``staff`` or None: what ``user`` is to ``merchant``."""
    if not user.is_authenticated:
        return None
    return (MerchantStaff.objects.filter(merchant=merchant, user=user)
            .values_list("role", flat=True).first())


def merchant_public(*, merchant_id: int) -> Merchant:
    """Anyone may see a merchant's public card, except for a closed merchant."""
    merchant = Merchant.objects.exclude(status=Merchant.Status.CLOSED).filter(
        pk=merchant_id).first()
    if merchant is None:
        raise _merchant_not_found()
    return merchant


def merchant_is_selling(merchant: Merchant) -> bool:
    """May this merchant's products be shown and sold: active, and its deposit is paid."""
    return merchant.status == Merchant.Status.ACTIVE and merchant.deposit_ok


def merchants_for_operator(*, user: User | AnonymousUser, status: str | None = None
                           ) -> QuerySet[Merchant]:
    """Every merchant, newest first, for operators only (others get NotFound)."""
    require_operator(user)
    merchants = Merchant.objects.select_related("owner").order_by("-pk")
    if status:
        merchants = merchants.filter(status=status)
    return merchants


def merchant_for_operator(*, user: User | AnonymousUser, merchant_id: int) -> Merchant:
    require_operator(user)
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise _merchant_not_found()
    return merchant


def merchant_staff_list(*, merchant: Merchant) -> QuerySet[MerchantStaff]:
    """The owner first, then staff in the order they joined."""
    return (MerchantStaff.objects.filter(merchant=merchant).exclude(role=MerchantStaff.Role.APP)
            .select_related("user").order_by("-role", "added_at", "pk"))


# --- deposit ----------------------------------------------------------------------------------
def merchant_deposit_account_find(*, merchant: Merchant) -> Account | None:
    return account_find(owner_type=LEDGER_OWNER_TYPE, owner_id=merchant.pk,
                        purpose=Purpose.MERCHANT_DEPOSIT)


def merchant_deposit_balance_fen(*, merchant: Merchant) -> int:
    """The posted balance of the merchant's deposit account; 0 before anything was paid."""
    account = merchant_deposit_account_find(merchant=merchant)
    return 0 if account is None else int(account.balance_fen)


def merchant_deposit_account(*, merchant: Merchant) -> Account:
    """The merchant's deposit account in the ledger, created on first use."""
    from .services import merchant_deposit_account_get_or_create

    return merchant_deposit_account_get_or_create(merchant=merchant)


def merchant_deposit_missing_fen(*, merchant: Merchant) -> int:
    """How much must still be paid before the merchant may list (0 when enough is held)."""
    return max(merchant.deposit_required_fen - merchant_deposit_balance_fen(merchant=merchant), 0)


# --- applications -----------------------------------------------------------------------------
def main_category_choices() -> QuerySet[Model]:
    """The top-level catalog categories an applicant may choose (referenced by name only:
    merchants sits below catalog and never imports it)."""
    category_model = apps.get_model("catalog", "Category")
    return category_model.objects.filter(parent__isnull=True, is_active=True).order_by(
        "position", "pk")


def _with_details(qs: QuerySet[MerchantApplication]) -> QuerySet[MerchantApplication]:
    return qs.select_related("applicant").prefetch_related(
        "main_categories",
        Prefetch("decisions",
                 queryset=ApplicationDecision.objects.select_related("operator")
                 .order_by("decided_at", "pk")),
    )


def applications_of_user(*, user: User | AnonymousUser) -> QuerySet[MerchantApplication]:
    """The user's own applications, newest first, with categories and decisions."""
    if not user.is_authenticated:
        return MerchantApplication.objects.none()
    return _with_details(MerchantApplication.objects.filter(applicant=user)
                         .order_by("-submitted_at", "-pk"))


def application_pending_queue(*, user: User | AnonymousUser) -> QuerySet[MerchantApplication]:
    """Pending applications for operators, oldest first (first come, first reviewed)."""
    require_operator(user)
    return _with_details(MerchantApplication.objects.filter(
        status=MerchantApplication.Status.PENDING).order_by("submitted_at", "pk"))


def application_for_operator(*, user: User | AnonymousUser, application_id: int
                             ) -> MerchantApplication:
    require_operator(user)
    application = _with_details(MerchantApplication.objects.filter(pk=application_id)).first()
    if application is None:
        raise NotFound(_("This application does not exist."), code="application_not_found")
    return application


def application_document_for(*, user: User | AnonymousUser, application_id: int
                             ) -> MerchantApplication:
    """An application whose documents ``user`` may open: the applicant's own, those of a
    merchant ``user`` works for (owner or staff), or any for operators."""
    if not user.is_authenticated:
        raise NotFound(_("This application does not exist."), code="application_not_found")
    qs = MerchantApplication.objects.filter(pk=application_id)
    if not is_operator(user):
        qs = qs.filter(Q(applicant=user) | Q(merchant__staff__user=user))
    application = qs.first()
    if application is None:
        raise NotFound(_("This application does not exist."), code="application_not_found")
    return application


# --- invitations ------------------------------------------------------------------------------
def invitations_for_user(*, user: User | AnonymousUser) -> QuerySet[StaffInvitation]:
    """Pending invitations sent to the user's mobile number."""
    if not user.is_authenticated:
        return StaffInvitation.objects.none()
    return (StaffInvitation.objects.filter(mobile=user.mobile,
                                           status=StaffInvitation.Status.PENDING)
            .select_related("merchant", "invited_by").order_by("-created_at", "-pk"))


def invitations_of_merchant(*, merchant: Merchant) -> QuerySet[StaffInvitation]:
    return (StaffInvitation.objects.filter(merchant=merchant,
                                           status=StaffInvitation.Status.PENDING)
            .order_by("-created_at", "-pk"))


# --- operators --------------------------------------------------------------------------------
