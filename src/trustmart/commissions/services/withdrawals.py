"""Withdrawals of available commission (提现), paid out to the store owner's payout account.

The user's row is locked first (``select_for_update``), so two submissions of one user run one
after the other: the same ``request_id`` returns the first withdrawal, and the daily limit is
checked against everything already withdrawn today (a failed payout gives its money back and
no longer counts). The payout itself is payments' (``payout_request``, below us in the layers:
commissions calls down): the money is held in the ledger at once and paid out after commit,
exactly once; the ledger refuses an overdraft anyway.
"""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import NotAuthenticated, invalid
from trustmart.core.money import format_fen
from trustmart.ledger.services import InsufficientFunds
from trustmart.payments.models import Payout
from trustmart.payments.services import payout_account_for_withdrawal, payout_request

from ..models import CommissionWithdrawal
from .lifecycle import earner_account_id
from .policy import policy_current

WITHDRAWAL_KIND = "commission_withdrawal"


def day_start() -> datetime:
    """Midnight of today in the site's time zone: the daily limit's window starts there."""
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def withdrawn_today_fen(*, user_id: int) -> int:
    """Withdrawn since midnight, less payouts that failed (their money came back)."""
    failed = Payout.objects.filter(source=Payout.Source.COMMISSION, owner_type="user",
                                   owner_id=user_id, status=Payout.Status.FAILED).values("pk")
    total = (CommissionWithdrawal.objects.filter(user_id=user_id, created_at__gte=day_start())
             .exclude(payout_id__in=Subquery(failed))
             .aggregate(total=Sum("amount_fen"))["total"])
    return int(total or 0)


def commission_withdraw(*, user: User | AnonymousUser, amount_fen: int,
                        request_id: str, account_id: int | None = None) -> CommissionWithdrawal:
    """Withdraw ``amount_fen`` of available commission to the user's verified payout account
    (``account_id``, or their verified one: ``payout_account_required`` when none)."""
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
        account = payout_account_for_withdrawal(owner_type="user", owner_id=user.pk,
                                                account_id=account_id)
        withdrawal = CommissionWithdrawal.objects.create(user_id=user.pk, request_id=request_id,
                                                         amount_fen=amount_fen)
        try:
            payout = payout_request(owner_type="user", owner_id=user.pk,
                                    source=Payout.Source.COMMISSION,
                                    reference=f"{WITHDRAWAL_KIND}:{withdrawal.pk}",
                                    amount_fen=amount_fen,
                                    source_account_id=earner_account_id(user.pk),
                                    account=account, requested_by=user,
                                    remark="佣金提现")
        except InsufficientFunds as exc:
            raise InsufficientFunds(_("You have not that much available commission."),
                                    code="withdrawal_exceeds_balance") from exc
        CommissionWithdrawal.objects.filter(pk=withdrawal.pk).update(payout_id=payout.pk)
        withdrawal.payout_id = payout.pk
        return withdrawal
