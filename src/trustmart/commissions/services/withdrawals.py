"""Withdrawals of available commission (提现): sandbox payouts, paid at once.

The user's row is locked first (``select_for_update``), so two submissions of one user run one
after the other: the same ``request_id`` returns the first withdrawal, and the daily limit is
checked against everything already withdrawn today. The ledger refuses an overdraft anyway.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import NotAuthenticated, invalid
from trustmart.core.money import format_fen
from trustmart.ledger.models import Purpose
from trustmart.ledger.services import InsufficientFunds, Leg, account_get_or_create, post

from ..models import CommissionWithdrawal
from .lifecycle import earner_account_id
from .policy import policy_current

WITHDRAWAL_KIND = "commission_withdrawal"


def day_start() -> datetime:
    """Midnight of today in the site's time zone: the daily limit's window starts there."""
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def withdrawn_today_fen(*, user_id: int) -> int:
    total = CommissionWithdrawal.objects.filter(user_id=user_id, created_at__gte=day_start()) \
        .aggregate(total=Sum("amount_fen"))["total"]
    return int(total or 0)


def commission_withdraw(*, user: User | AnonymousUser, amount_fen: int,
                        request_id: str) -> CommissionWithdrawal:
    if not user.is_authenticated:
        raise NotAuthenticated()
    request_id = (request_id or "").strip()
    if not 0 < len(request_id) <= 64:
        raise invalid("request_id", _("This withdrawal request is not valid."))
    policy = policy_current()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        done = CommissionWithdrawal.objects.filter(user_id=user.pk, request_id=request_id).first()
        if done is not None:
            return done
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) \
                or amount_fen < policy.withdrawal_min_fen:
            raise invalid("amount", _("The minimum withdrawal is %(min)s.")
                          % {"min": format_fen(policy.withdrawal_min_fen)},
                          code="withdrawal_below_minimum")
        left = policy.withdrawal_daily_limit_fen - withdrawn_today_fen(user_id=user.pk)
        if amount_fen > left:
            raise invalid("amount", _("You can withdraw at most %(limit)s a day; %(left)s is "
                                      "left today.")
                          % {"limit": format_fen(policy.withdrawal_daily_limit_fen),
                             "left": format_fen(max(left, 0))},
                          code="withdrawal_daily_limit")
        source = earner_account_id(user.pk)
        payout = account_get_or_create(owner_type="platform", owner_id=None,
                                       purpose=Purpose.EXTERNAL_PAYOUT)
        try:
            journal = post(entries=[Leg.debit(source, amount_fen), Leg.credit(payout, amount_fen)],
                           kind=WITHDRAWAL_KIND,
                           reference=f"commission_withdrawal:{user.pk}:{request_id}",
                           memo=f"user {user.pk} commission withdrawal")
        except InsufficientFunds as exc:
            raise InsufficientFunds(_("You have not that much available commission."),
                                    code="withdrawal_exceeds_balance") from exc
        return CommissionWithdrawal.objects.create(user_id=user.pk, request_id=request_id,
                                                   amount_fen=amount_fen, journal_id=journal.pk)
