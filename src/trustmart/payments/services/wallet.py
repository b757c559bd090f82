"""The buyer's wallet (我的钱包): money the platform pays a buyer (假一赔十 compensation, any
platform-paid compensation) is credited here, and the buyer withdraws it to their own payout
account (WeChat 零钱 or Alipay) like a store owner withdraws commission.

Why a wallet rather than paying the original payment's payer directly: compensation is not a
refund (a provider refunds at most what was paid, and 10x is far more), a transfer needs an
account the buyer proved is theirs (a payment's openid may belong to a friend who paid for
them), and the money stays visible and withdrawable in one place with its history.

The wallet is a ledger account (owner user, purpose ``buyer_wallet``); aftersales credits it
through ``wallet_account_id``, calling down into payments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import NotAuthenticated, invalid
from trustmart.core.money import format_fen
from trustmart.ledger.models import Entry, Purpose
from trustmart.ledger.selectors import account_find, account_statement
from trustmart.ledger.services import account_get_or_create

from ..models import Payout
from .payout_accounts import OWNER_USER, payout_account_for_withdrawal
from .payouts import payout_request

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

WALLET_WITHDRAWAL_MIN_FEN = 100


def wallet_account_id(user_id: int) -> int:
    """The buyer's wallet account in the ledger (created on first use)."""
    return account_get_or_create(owner_type="user", owner_id=user_id,
                                 purpose=Purpose.BUYER_WALLET).pk


def wallet_balance_fen(*, user_id: int) -> int:
    """What the buyer can withdraw now (money on its way out is already held)."""
    account = account_find(owner_type="user", owner_id=user_id, purpose=Purpose.BUYER_WALLET)
    return account.available_fen if account is not None else 0


def wallet_history(*, user_id: int, limit: int = 50) -> QuerySet[Entry]:
    """The wallet's movements, newest first, each with its running balance."""
    account = account_find(owner_type="user", owner_id=user_id, purpose=Purpose.BUYER_WALLET)
    if account is None:
        return Entry.objects.none()
    return account_statement(account=account, newest_first=True)[:limit]


def wallet_withdraw(*, user: User | AnonymousUser, amount_fen: int, request_id: str,
                    account_id: int | None = None) -> Payout:
    """Withdraw ``amount_fen`` of the wallet to the buyer's verified payout account. A double
    submit (same ``request_id``) withdraws once."""
    if not user.is_authenticated:
        raise NotAuthenticated()
    request_id = (request_id or "").strip()
    if not 0 < len(request_id) <= 64:
        raise invalid("request_id", _("This withdrawal request is not valid."))
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) \
            or amount_fen < WALLET_WITHDRAWAL_MIN_FEN:
        raise invalid("amount", _("The minimum withdrawal is %(min)s.")
                      % {"min": format_fen(WALLET_WITHDRAWAL_MIN_FEN)},
                      code="withdrawal_below_minimum")
    reference = f"wallet_withdrawal:{user.pk}:{request_id}"
    with transaction.atomic():
        existing = Payout.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        account = payout_account_for_withdrawal(owner_type=OWNER_USER, owner_id=user.pk,
                                                account_id=account_id)
        return payout_request(owner_type=OWNER_USER, owner_id=user.pk,
                              source=Payout.Source.WALLET, reference=reference,
                              amount_fen=amount_fen, source_account_id=wallet_account_id(user.pk),
                              account=account, requested_by=user,
                              remark="钱包提现")


def wallet_payouts(*, user_id: int, limit: int = 50) -> QuerySet[Payout]:
    return (Payout.objects.filter(owner_type=OWNER_USER, owner_id=user_id,
                                  source=Payout.Source.WALLET)
            .select_related("account").order_by("-created_at", "-pk")[:limit])
