"""Reads of after-sales cases for the buyer, the merchant's staff and operators.

Someone else's case (and its evidence files) does not exist for the caller (404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.accounts.selectors import is_operator
from trustmart.core.errors import NotFound
from trustmart.ledger.models import Purpose
from trustmart.ledger.selectors import account_find
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_for_staff, merchants_of_user
from trustmart.orders.models import Order

from .models import OPEN, Case, CaseEvent, CaseImage, CaseMessage, MerchantDebt, Status
from .services.base import (
    BUYER,
    MERCHANT,
    OPERATOR,
    case_for_party,
    case_not_found,
    member,
)

S = Status
MERCHANT_TABS: dict[str, tuple[str, ...]] = {
    "todo": (S.AWAITING_MERCHANT, S.RETURNED),
    "waiting": (S.PARTIAL_OFFERED, S.AWAITING_RETURN, S.REJECTED, S.ACCEPTED),
    "arbitration": (S.ARBITRATION,),
    "closed": (S.REFUNDED, S.UPHELD, S.DISMISSED, S.CLOSED_BY_BUYER, S.CLOSED),
}
MERCHANT_TAB_LABELS = {"todo": _("To handle"), "waiting": _("Waiting for the buyer"),
                       "arbitration": _("In arbitration"), "closed": _("Closed")}
OPERATOR_TABS: dict[str, tuple[str, ...]] = {
    "queue": (S.ARBITRATION,),
    "open": tuple(sorted(OPEN)),
    "decided": (S.UPHELD, S.DISMISSED),
    "all": (),
}
OPERATOR_TAB_LABELS = {"queue": _("Waiting for a decision"), "open": _("Open"),
                       "decided": _("Decided"), "all": _("All")}


def _listing(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("order", "line", "merchant", "buyer").order_by("-created_at", "-pk")


def _tab(qs: QuerySet[Case], tabs: dict[str, tuple[str, ...]], tab: str) -> QuerySet[Case]:
    statuses = tabs.get(tab, ())
    return qs.filter(status__in=statuses) if statuses else qs


def cases_of_buyer(*, user: User | AnonymousUser) -> QuerySet[Case]:
    return _listing(Case.objects.filter(buyer=member(user)))


def cases_of_merchant(*, user: User | AnonymousUser, merchant_id: int,
                      tab: str = "todo") -> QuerySet[Case]:
    merchant = merchant_for_staff(user=member(user), merchant_id=merchant_id)
    return _listing(_tab(Case.objects.filter(merchant=merchant), MERCHANT_TABS, tab))


def cases_for_operator(*, user: User | AnonymousUser, tab: str = "queue") -> QuerySet[Case]:
    if not is_operator(member(user)):
        raise NotFound()
    qs = _listing(_tab(Case.objects.all(), OPERATOR_TABS, tab))
    # Oldest escalation first: the queue is worked in order.
    return qs.order_by("updated_at", "pk") if tab == "queue" else qs


@dataclass
class CaseDetail:
    case: Case
    role: str  # buyer | merchant | operator
    events: list[CaseEvent]
    messages: list[CaseMessage]
    evidence: list[CaseImage]  # attached to the claim itself
    order: Order

    @property
    def is_buyer(self) -> bool:
        return self.role == BUYER

    @property
    def is_merchant(self) -> bool:
        return self.role == MERCHANT

    @property
    def is_operator(self) -> bool:
        return self.role == OPERATOR


def case_detail(*, user: User | AnonymousUser, case_no: str) -> CaseDetail:
    """Everything a party sees of a case: timeline, messages, evidence and the order."""
    case, role = case_for_party(user, case_no)
    case = (Case.objects.select_related("order", "line", "merchant", "buyer", "decided_by")
            .get(pk=case.pk))
    images = list(CaseImage.objects.filter(case=case).order_by("created_at", "pk"))
    messages = list(CaseMessage.objects.filter(case=case).select_related("author")
                    .prefetch_related(Prefetch("images", queryset=CaseImage.objects.order_by(
                        "pk"))).order_by("created_at", "pk"))
    events = list(CaseEvent.objects.filter(case=case).select_related("actor")
                  .order_by("created_at", "pk"))
    order = (Order.objects.select_related("merchant").prefetch_related("lines")
             .get(pk=case.order_id))
    return CaseDetail(case=case, role=role, events=events, messages=messages,
                      evidence=[i for i in images if i.message_id is None], order=order)


def case_image_for_viewer(*, user: User | AnonymousUser, image_id: int) -> CaseImage:
    """An evidence file, only for the parties of its case and operators."""
    image = CaseImage.objects.select_related("case").filter(pk=image_id).first()
    if image is None:
        raise case_not_found()
    case_for_party(user, image.case.case_no)
    return image


def open_case_for_line(*, user: User | AnonymousUser, line_id: int) -> Case | None:
    """The buyer's open case on an order line, if there is one."""
    return Case.objects.filter(buyer=member(user), line_id=line_id,
                               status__in=sorted(OPEN)).first()


def debts_of_merchant(*, user: User | AnonymousUser, merchant_id: int,
                      open_only: bool = False) -> QuerySet[MerchantDebt]:
    """The merchant's debts to the guarantee fund, oldest first (the order they are repaid
    in); ``open_only``: those with something left to repay."""
    merchant = merchant_for_staff(user=member(user), merchant_id=merchant_id)
    debts = MerchantDebt.objects.filter(merchant=merchant)
    if open_only:
        debts = debts.filter(repaid_at__isnull=True)
    return debts.select_related("case").order_by("created_at", "pk")


def debts_for_operator(*, user: User | AnonymousUser,
                       open_only: bool = False) -> QuerySet[MerchantDebt]:
    if not is_operator(member(user)):
        raise NotFound()
    debts = MerchantDebt.objects.all()
    if open_only:
        debts = debts.filter(repaid_at__isnull=True)
    return debts.select_related("case", "merchant").order_by("created_at", "pk")


def debt_outstanding_fen(*, merchant: Merchant) -> int:
    totals = MerchantDebt.objects.filter(merchant=merchant).aggregate(
        amount=Sum("amount_fen"), repaid=Sum("repaid_fen"))
    return int(totals["amount"] or 0) - int(totals["repaid"] or 0)


def merchant_payable_available_fen(*, merchant_id: int) -> int:
    """What the merchant's payable could repay now (its available balance)."""
    account = account_find(owner_type="merchant", owner_id=merchant_id,
                           purpose=Purpose.MERCHANT_PAYABLE)
    return max(account.available_fen, 0) if account is not None else 0


def merchant_ids_of(*, user: User | AnonymousUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(merchants_of_user(user=user).values_list("pk", flat=True))
