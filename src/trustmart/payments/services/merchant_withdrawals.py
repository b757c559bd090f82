"""A merchant withdraws its payable (货款提现) to its payout account.

This lived in orders until money left the platform for real: a payout is a payments concern
(orders sit below payments and cannot call it), so the withdrawal, its page and its URL are
here now (``/merchant/payable/`` unchanged). What the merchant is owed is still orders' read
(``orders.settlement.merchant_payable_fen``: the ledger's payable account).

Higher apps may refuse a withdrawal (aftersales: an open debt to the guarantee fund). Payments
may not import them, so they register a check here with ``withdrawal_check``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, DomainError, invalid
from trustmart.core.money import format_fen
from trustmart.ledger.models import Purpose
from trustmart.ledger.services import InsufficientFunds, account_get_or_create
from trustmart.merchants.lock_objects import merchant_lock
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_missing_fen, merchant_for_staff
from trustmart.orders.settlement import merchant_payable_fen

from ..models import Payout
from .payout_accounts import OWNER_MERCHANT, payout_account_for_withdrawal
from .payouts import payout_request

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

WithdrawalCheck = Callable[[int], None]
_withdrawal_checks: dict[str, WithdrawalCheck] = {}


def withdrawal_check(fn: WithdrawalCheck) -> WithdrawalCheck:
    """Register ``fn(merchant_id)``, run before every withdrawal; its dotted path is its key.
    It refuses by raising a DomainError."""
    _withdrawal_checks[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def withdrawal_minimum_fen() -> int:
    return int(settings.MERCHANT_WITHDRAWAL_MIN_FEN)


def _refuse_while_deposit_short(merchant: Merchant) -> None:
    """A merchant suspended because its guarantee deposit fell short keeps its payable until
    the deposit is whole again: the payable is what would pay a 假一赔十 debt it cannot."""
    if merchant.status == Merchant.Status.SUSPENDED and (
            merchant.suspension_kind == Merchant.SuspensionKind.DEPOSIT or not merchant.deposit_ok):
        raise Conflict(_(
            "The merchant is suspended because its guarantee deposit is %(missing)s short of the "
            "required amount. Top the deposit up before withdrawing.")
            % {"missing": format_fen(merchant_deposit_missing_fen(merchant=merchant))},
            code="deposit_insufficient")


def _withdrawal_allowed(merchant: Merchant) -> None:
    _refuse_while_deposit_short(merchant)
    for check in _withdrawal_checks.values():
        check(merchant.pk)


def merchant_withdrawal_refusal(*, merchant: Merchant) -> DomainError | None:
    """Why the merchant cannot withdraw now (the error a withdrawal would get), or None: the
    payable page and the API show it before anyone tries."""
    try:
        _withdrawal_allowed(merchant)
    except DomainError as exc:
        return exc
    return None


def merchant_withdrawal_reference(merchant_id: int, request_id: str) -> str:
    return f"merchant_withdrawal:{merchant_id}:{request_id}"


def merchant_withdrawal_create(*, user: User | AnonymousUser, merchant_id: int, amount_fen: int,
                               request_id: str | None = None,
                               account_id: int | None = None) -> Payout:
    """Pay ``amount_fen`` of the payable out to the merchant's verified payout account.

    ``request_id`` (the form's one-time token) makes a double-submitted form pay once. The
    money is held at once (the ledger refuses an overdraft under its account lock, so racing
    withdrawals can never take more than the balance) and paid out after commit.
    """
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    minimum = withdrawal_minimum_fen()
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < minimum:
        raise invalid("amount", _("The minimum withdrawal is %(min)s.")
                      % {"min": format_fen(minimum)}, code="withdrawal_below_minimum")
    request_id = request_id or uuid.uuid4().hex
    if not 0 < len(request_id) <= 64:
        raise invalid("request_id", _("This withdrawal request is not valid."))
    reference = merchant_withdrawal_reference(merchant.pk, request_id)
    with transaction.atomic():
        existing = Payout.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        # Locked: a suspension for the deposit (merchant_deposit_refresh locks it too) cannot
        # slip in between this check and the payout.
        locked = merchant_lock(merchant.pk)
        assert locked is not None
        _withdrawal_allowed(locked)
        account = payout_account_for_withdrawal(owner_type=OWNER_MERCHANT,
                                                owner_id=merchant.pk, account_id=account_id)
        payable = account_get_or_create(owner_type="merchant", owner_id=merchant.pk,
                                        purpose=Purpose.MERCHANT_PAYABLE)
        try:
            return payout_request(owner_type=OWNER_MERCHANT, owner_id=merchant.pk,
                                  source=Payout.Source.MERCHANT_PAYABLE, reference=reference,
                                  amount_fen=amount_fen, source_account_id=payable.pk,
                                  account=account, requested_by=user,  # type: ignore[arg-type]
                                  remark="货款提现")
        except InsufficientFunds as exc:
            raise InsufficientFunds(
                _("You can withdraw at most %(balance)s.")
                % {"balance": format_fen(merchant_payable_fen(merchant=merchant))},
                code="withdrawal_exceeds_balance") from exc


def merchant_withdrawals(*, merchant: Merchant, limit: int = 50) -> QuerySet[Payout]:
    """The merchant's withdrawals, newest first, with where each stands."""
    return (Payout.objects.filter(owner_type=OWNER_MERCHANT, owner_id=merchant.pk,
                                  source=Payout.Source.MERCHANT_PAYABLE)
            .select_related("account").order_by("-created_at", "-pk")[:limit])
