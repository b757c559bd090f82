"""Every read of the commissions app. A sharer reads only their own rows (another's is
``NotFound``); operators read the review queue; merchant staff read their merchant's figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from trustmart.accounts.models import User
from trustmart.core.errors import NotFound
from trustmart.ledger.models import Purpose
from trustmart.ledger.selectors import account_find
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_for_staff, require_operator
from trustmart.payments.models import Payout
from trustmart.sharing.models import Visit

from .models import Commission, CommissionPolicy, CommissionWithdrawal
from .services.policy import policy_current
from .services.withdrawals import withdrawn_today_fen

__all__ = ["policy_current"]


@dataclass(frozen=True)
class Earnings:
    pending_fen: int
    available_fen: int
    withdrawn_today_fen: int


@dataclass(frozen=True)
class SharerStats:
    visits: int
    unique_visitors: int
    orders: int
    conversion_bps: int  # orders per unique visitor, in basis points


def _member(user: User | AnonymousUser) -> User:
    if not user.is_authenticated:
        raise NotFound()
    return user


def earnings_of(*, user: User | AnonymousUser) -> Earnings:
    """Pending and available straight from the earner's ledger account."""
    member = _member(user)
    account = account_find(owner_type="user", owner_id=member.pk,
                           purpose=Purpose.COMMISSION_AVAILABLE)
    return Earnings(pending_fen=account.credits_pending_fen if account else 0,
                    available_fen=account.balance_fen if account else 0,
                    withdrawn_today_fen=withdrawn_today_fen(user_id=member.pk))


def commissions_of(*, user: User | AnonymousUser) -> QuerySet[Commission]:
    return (Commission.objects.filter(earner_id=_member(user).pk)
            .select_related("order_line").order_by("-created_at", "-pk"))


def commission_of(*, user: User | AnonymousUser, commission_id: int) -> Commission:
    found = commissions_of(user=user).filter(pk=commission_id).first()
    if found is None:
        raise NotFound()
    return found


def withdrawals_of(*, user: User | AnonymousUser) -> QuerySet[CommissionWithdrawal]:
    """My withdrawals, newest first, each with where its payout stands (``payout_status``:
    pending, processing, succeeded, failed; succeeded for old sandbox rows)."""
    status = Payout.objects.filter(pk=OuterRef("payout_id")).values("status")[:1]
    return (CommissionWithdrawal.objects.filter(user_id=_member(user).pk)
            .annotate(payout_status=Coalesce(Subquery(status), Value("succeeded")))
            .order_by("-created_at", "-pk"))


def withdrawal_of(*, user: User | AnonymousUser, withdrawal_id: int) -> CommissionWithdrawal:
    found = withdrawals_of(user=user).filter(pk=withdrawal_id).first()
    if found is None:
        raise NotFound()
    return found


def sharer_stats(*, user: User | AnonymousUser) -> SharerStats:
    """Visits of the user's shares (counted ones), unique visitors, orders that earned them a
    level-1 commission, and conversion = orders / unique visitors."""
    member = _member(user)
    visits = Visit.objects.filter(share__sharer_id=member.pk, counted=True)
    figures = visits.aggregate(
        visits=Count("pk"),
        users=Count("visitor_id", distinct=True),
        devices=Count("device_id", distinct=True, filter=Q(visitor__isnull=True)
                      & ~Q(device_id="")))
    unique = int(figures["users"] or 0) + int(figures["devices"] or 0)
    orders = (Commission.objects.filter(earner_id=member.pk, level=1)
              .exclude(status=Commission.Status.CANCELLED)
              .values("order_no").distinct().count())
    return SharerStats(visits=int(figures["visits"] or 0), unique_visitors=unique, orders=orders,
                       conversion_bps=orders * 10_000 // unique if unique else 0)


def review_queue(*, user: User | AnonymousUser) -> QuerySet[Commission]:
    require_operator(user)
    return (Commission.objects.filter(review_status=Commission.Review.FLAGGED)
            .select_related("earner", "buyer", "order_line").order_by("created_at", "pk"))


def policy_history(*, user: User | AnonymousUser, limit: int = 20) -> QuerySet[CommissionPolicy]:
    require_operator(user)
    return CommissionPolicy.objects.select_related("changed_by").order_by("-pk")[:limit]


def _merchant_sales(user: User | AnonymousUser, merchant_id: int) -> tuple[
        Merchant, QuerySet[Commission]]:
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    return merchant, Commission.objects.filter(merchant=merchant, level=1).exclude(
        status=Commission.Status.CANCELLED)


def merchant_top_sharers(*, user: User | AnonymousUser, merchant_id: int,
                         limit: int = 10) -> list[dict[str, Any]]:
    """The store owners who sold most of the merchant's goods (level 1, not cancelled)."""
    _merchant, sales = _merchant_sales(user, merchant_id)
    rows = (sales.values("earner_id", "earner__nickname")
            .annotate(orders=Count("order_no", distinct=True), sales_fen=Sum("base_fen"),
                      commission_fen=Sum("amount_fen"))
            .order_by("-sales_fen", "earner_id")[:limit])
    return [{"earner_id": r["earner_id"], "nickname": r["earner__nickname"],
             "orders": r["orders"], "sales_fen": int(r["sales_fen"] or 0),
             "commission_fen": int(r["commission_fen"] or 0)} for r in rows]


def merchant_top_channels(*, user: User | AnonymousUser, merchant_id: int) -> list[
        dict[str, Any]]:
    """Which share channels (WeChat Moments, Weibo, …) the merchant's sales came through."""
    _merchant, sales = _merchant_sales(user, merchant_id)
    rows = (sales.values("channel")
            .annotate(orders=Count("order_no", distinct=True), sales_fen=Sum("base_fen"))
            .order_by("-sales_fen", "channel"))
    return [{"channel": r["channel"], "orders": r["orders"],
             "sales_fen": int(r["sales_fen"] or 0)} for r in rows]
