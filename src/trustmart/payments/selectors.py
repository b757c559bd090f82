"""Reads of payments, scoped to the acting user: another user's payment does not exist for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import NotFound
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_balance_fen, merchant_for_staff
from trustmart.orders.models import Checkout, Order

from .models import Payment
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
