"""Reads of payments, scoped to the acting user: another user's payment does not exist for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import NotFound
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_balance_fen, merchant_for_staff
from trustmart.orders.models import Checkout, Order

from .models import (
    Payment,
    Payout,
    PayoutAccount,
    PayoutBatch,
    ReconciliationDifference,
    ReconciliationRun,
)
from .providers import PaymentProvider, available_providers

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

# A top-up is at least ¥100, unless less than that is missing: then exactly the shortfall is fine.
DEPOSIT_MIN_FEN = 100_00
# Far above any category's deposit; a typo of three extra zeros is refused, not charged.
DEPOSIT_MAX_FEN = 10_000_000_00
RECENT_DEPOSIT_PAYMENTS = 5


def deposit_reference(merchant_id: int) -> str:
    """What a deposit payment is for, as stored in ``Payment.reference``."""
    return f"merchant:{merchant_id}"


def payment_not_found() -> NotFound:
    return NotFound(_("This payment does not exist."), code="payment_not_found")


def payment_for_payer(*, user: User | AnonymousUser, payment_no: str) -> Payment:
    """The payment if ``user`` is its payer; else NotFound (numbers reveal nothing)."""
    if not user.is_authenticated:
        raise payment_not_found()
    payment = (Payment.objects.filter(payment_no=payment_no, payer=user)
               .prefetch_related("refunds").first())
    if payment is None:
        raise payment_not_found()
    return payment


def payments_of(*, user: User | AnonymousUser) -> QuerySet[Payment]:
    """我的支付: the user's payments, newest first."""
    if not user.is_authenticated:
        return Payment.objects.none()
    return (Payment.objects.filter(payer=user).prefetch_related("refunds")
            .order_by("-created_at", "-pk"))


@dataclass(frozen=True)
class DepositSummary:
    merchant: Merchant
    required_fen: int
    balance_fen: int
    shortfall_fen: int
    minimum_fen: int
    # What the amount field starts with: the shortfall, or the minimum top-up once paid up.
    suggested_fen: int
    recent: list[Payment]


def deposit_minimum_fen(*, shortfall_fen: int) -> int:
    return min(DEPOSIT_MIN_FEN, shortfall_fen) if shortfall_fen > 0 else DEPOSIT_MIN_FEN


def deposit_summary(*, user: User | AnonymousUser, merchant_id: int) -> DepositSummary:
    """The deposit page of a merchant, for its staff only (NotFound for anyone else)."""
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    balance = merchant_deposit_balance_fen(merchant=merchant)
    shortfall = max(merchant.deposit_required_fen - balance, 0)
    minimum = deposit_minimum_fen(shortfall_fen=shortfall)
    recent = list(
        Payment.objects.filter(purpose=Payment.Purpose.DEPOSIT,
                               reference=deposit_reference(merchant.pk))
        .select_related("payer").order_by("-created_at", "-pk")[:RECENT_DEPOSIT_PAYMENTS]
    )
    return DepositSummary(merchant=merchant, required_fen=merchant.deposit_required_fen,
                          balance_fen=balance, shortfall_fen=shortfall, minimum_fen=minimum,
                          suggested_fen=shortfall or minimum, recent=recent)


def checkout_reference(checkout_no: str) -> str:
    """What a checkout payment is for, as stored in ``Payment.reference``."""
    return f"checkout:{checkout_no}"


def checkout_for_payer(*, user: User | AnonymousUser, checkout_no: str) -> Checkout:
    """The checkout if ``user`` is its buyer; else NotFound, like a payment of someone else."""
    if not user.is_authenticated:
        raise NotFound(_("This order does not exist."), code="checkout_not_found")
    checkout = Checkout.objects.filter(checkout_no=checkout_no, buyer=user).first()
    if checkout is None:
        raise NotFound(_("This order does not exist."), code="checkout_not_found")
    return checkout


@dataclass(frozen=True)
class CheckoutCashier:
    """The cashier page of a checkout: what is paid for, and how one may pay."""

    checkout: Checkout
    orders: list[Order]
    payable: bool
    providers: list[PaymentProvider]


def checkout_cashier(*, user: User | AnonymousUser, checkout_no: str) -> CheckoutCashier:
    checkout = checkout_for_payer(user=user, checkout_no=checkout_no)
    orders = list(checkout.orders.select_related("merchant").prefetch_related("lines")
                  .order_by("pk"))
    payable = (checkout.status == Checkout.Status.AWAITING_PAYMENT
               and checkout.expires_at > timezone.now())
    return CheckoutCashier(checkout=checkout, orders=orders, payable=payable,
                           providers=available_providers() if payable else [])


# --- money out ------------------------------------------------------------------------------
def payout_accounts_of(*, owner_type: str, owner_id: int) -> QuerySet[PayoutAccount]:
    """An owner's payout accounts in use (pending or verified), WeChat first."""
    return (PayoutAccount.objects.filter(owner_type=owner_type, owner_id=owner_id,
                                         status__in=PayoutAccount.ACTIVE_STATUSES)
            .order_by("kind", "-pk"))


def payouts_of(*, owner_type: str, owner_id: int) -> QuerySet[Payout]:
    return (Payout.objects.filter(owner_type=owner_type, owner_id=owner_id)
            .select_related("account").order_by("-created_at", "-pk"))


def payout_for_owner(*, user: User | AnonymousUser, payout_id: int) -> Payout:
    """One of the user's own payouts (their withdrawals of commission or wallet)."""
    payout = (Payout.objects.filter(pk=payout_id, owner_type="user",
                                    owner_id=getattr(user, "pk", None) or 0)
              .select_related("account").first())
    if payout is None:
        raise NotFound(_("This payout does not exist."), code="payout_not_found")
    return payout


@dataclass(frozen=True)
class OpsPayouts:
    """The operators' money-out queue."""

    bank_accounts: list[PayoutAccount]
    unbatched_fen: int
    unbatched: list[Payout]
    batches: list[PayoutBatch]
    processing_bank: list[Payout]
    failed: list[Payout]


def ops_payouts(*, user: User | AnonymousUser, limit: int = 50) -> OpsPayouts:
    require_operator(user)
    unbatched = list(Payout.objects.filter(provider="manual", status=Payout.Status.PENDING,
                                           batch__isnull=True)
                     .select_related("account").order_by("pk")[:limit])
    return OpsPayouts(
        bank_accounts=list(PayoutAccount.objects.filter(
            kind=PayoutAccount.Kind.BANK, status=PayoutAccount.Status.PENDING)
            .order_by("pk")[:limit]),
        unbatched=unbatched, unbatched_fen=sum(p.amount_fen for p in unbatched),
        batches=list(PayoutBatch.objects.order_by("-pk")[:10]),
        processing_bank=list(Payout.objects.filter(provider="manual",
                                                   status=Payout.Status.PROCESSING)
                             .select_related("account", "batch").order_by("pk")[:limit]),
        failed=list(Payout.objects.filter(status=Payout.Status.FAILED)
                    .select_related("account").order_by("-finished_at", "-pk")[:limit]))


def reconciliation_queue(*, user: User | AnonymousUser, resolved: bool = False,
                         limit: int = 100) -> QuerySet[ReconciliationDifference]:
    """Differences between providers' bills and our books: open ones oldest bill first."""
    require_operator(user)
    rows = ReconciliationDifference.objects.select_related("run", "resolved_by")
    if resolved:
        return rows.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")[:limit]
    return rows.filter(resolved_at__isnull=True).order_by("run__bill_date", "pk")[:limit]


def reconciliation_runs(*, user: User | AnonymousUser, limit: int = 14
                        ) -> QuerySet[ReconciliationRun]:
    require_operator(user)
    return ReconciliationRun.objects.order_by("-bill_date", "provider")[:limit]
