"""REST endpoints of commissions, mounted at ``/api/commissions``. Thin: parse, call one
service or selector, return. "mine" routes address only the caller's own rows; another user's
commission or withdrawal is 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import ConfigDict

from trustmart.accounts.auth import token_or_session
from trustmart.accounts.models import User

from . import selectors, services
from .models import Commission, CommissionPolicy, CommissionWithdrawal

router = Router(tags=["commissions"])


class CommissionOut(Schema):
    id: int
    order_no: str
    level: int
    status: str
    review_status: str
    review_note: str
    base_fen: int
    rate_bps: int
    amount_fen: int
    channel: str
    created_at: datetime
    released_at: datetime | None
    cancelled_at: datetime | None


class ReviewItemOut(CommissionOut):
    earner_id: int
    buyer_id: int
    review_reasons: list[str]


class EarningsOut(Schema):
    pending_fen: int
    available_fen: int
    withdrawn_today_fen: int
    visits: int
    unique_visitors: int
    orders: int
    conversion_bps: int


class WithdrawalOut(Schema):
    id: int
    amount_fen: int
    request_id: str
    created_at: datetime
    # Where the payout stands: pending, processing, succeeded or failed (money returned).
    payout_status: str = "pending"


class WithdrawIn(Schema):
    amount_fen: int
    request_id: str


class PolicyOut(Schema):
    level2_enabled: bool
    level2_bps: int
    max_total_bps: int
    allow_self_purchase: bool
    withdrawal_min_fen: int
    withdrawal_daily_limit_fen: int
    min_click_to_pay_seconds: int
    note: str
    changed_by_id: int | None
    created_at: datetime | None


class PolicyIn(Schema):
    """Only these settings exist; anything else (a third level, an entry fee, a recruiting
    reward) is refused as unknown."""

    model_config = ConfigDict(extra="forbid")

    level2_enabled: bool | None = None
    level2_bps: int | None = None
    max_total_bps: int | None = None
    allow_self_purchase: bool | None = None
    withdrawal_min_fen: int | None = None
    withdrawal_daily_limit_fen: int | None = None
    min_click_to_pay_seconds: int | None = None
    note: str = ""


class RejectIn(Schema):
    reason: str


class ApproveIn(Schema):
    note: str = ""


class SharerRowOut(Schema):
    earner_id: int
    nickname: str
    orders: int
    sales_fen: int
    commission_fen: int


class ChannelRowOut(Schema):
    channel: str
    orders: int
    sales_fen: int


def _me(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


# --- the sharer's own ------------------------------------------------------------------------
@router.get("/mine/earnings", response=EarningsOut, auth=token_or_session,
            summary="我的收益: pending and available commission, visits, orders, conversion")
def my_earnings(request: HttpRequest) -> EarningsOut:
    money = selectors.earnings_of(user=_me(request))
    stats = selectors.sharer_stats(user=_me(request))
    return EarningsOut(pending_fen=money.pending_fen, available_fen=money.available_fen,
                       withdrawn_today_fen=money.withdrawn_today_fen, visits=stats.visits,
                       unique_visitors=stats.unique_visitors, orders=stats.orders,
                       conversion_bps=stats.conversion_bps)


@router.get("/mine", response=list[CommissionOut], auth=token_or_session,
            summary="My commissions, newest first")
@paginate
def my_commissions(request: HttpRequest) -> QuerySet[Commission]:
    return selectors.commissions_of(user=_me(request))


@router.get("/mine/withdrawals", response=list[WithdrawalOut], auth=token_or_session,
            summary="My withdrawals, newest first")
@paginate
def my_withdrawals(request: HttpRequest) -> QuerySet[CommissionWithdrawal]:
    return selectors.withdrawals_of(user=_me(request))


@router.post("/mine/withdrawals", response={201: WithdrawalOut}, auth=token_or_session,
             summary="Withdraw available commission; the same request_id pays once")
def my_withdraw(request: HttpRequest, payload: WithdrawIn) -> Status[CommissionWithdrawal]:
    withdrawal = services.commission_withdraw(user=_me(request), amount_fen=payload.amount_fen,
                                              request_id=payload.request_id)
    return Status(201, selectors.withdrawal_of(user=_me(request), withdrawal_id=withdrawal.pk))


@router.get("/mine/withdrawals/{int:withdrawal_id}", response=WithdrawalOut,
            auth=token_or_session, summary="One of my withdrawals")
def my_withdrawal(request: HttpRequest, withdrawal_id: int) -> CommissionWithdrawal:
    return selectors.withdrawal_of(user=_me(request), withdrawal_id=withdrawal_id)


@router.get("/mine/{int:commission_id}", response=CommissionOut, auth=token_or_session,
            summary="One of my commissions (a rejected one says why)")
def my_commission(request: HttpRequest, commission_id: int) -> Commission:
    return selectors.commission_of(user=_me(request), commission_id=commission_id)


# --- the policy ------------------------------------------------------------------------------
@router.get("/policy", response=PolicyOut, auth=None, summary="The commission rules in force")
def policy(request: HttpRequest) -> CommissionPolicy:
    return services.policy_current()


@router.patch("/policy", response=PolicyOut, auth=token_or_session,
              summary="Operators: change the policy (refused if it breaks a compliance rule)")
def policy_change(request: HttpRequest, payload: PolicyIn) -> CommissionPolicy:
    return services.policy_change(user=_me(request), **payload.dict())


# --- operators' review -------------------------------------------------------------------------
@router.get("/review", response=list[ReviewItemOut], auth=token_or_session,
            summary="Operators: commissions flagged as possible fake orders")
@paginate
def review_queue(request: HttpRequest) -> QuerySet[Commission]:
    return selectors.review_queue(user=_me(request))


@router.post("/review/{int:commission_id}/approve", response=ReviewItemOut,
             auth=token_or_session, summary="Operators: the order is genuine")
def review_approve(request: HttpRequest, commission_id: int, payload: ApproveIn) -> Commission:
    return services.commission_approve(user=_me(request), commission_id=commission_id,
                                       note=payload.note)


@router.post("/review/{int:commission_id}/reject", response=ReviewItemOut,
             auth=token_or_session, summary="Operators: fake order; the sharer sees the reason")
def review_reject(request: HttpRequest, commission_id: int, payload: RejectIn) -> Commission:
    return services.commission_reject(user=_me(request), commission_id=commission_id,
                                      reason=payload.reason)


# --- merchants ---------------------------------------------------------------------------------
@router.get("/merchants/{int:merchant_id}/top-sharers", response=list[SharerRowOut],
            auth=token_or_session, summary="Merchant staff: who sells our goods best")
def top_sharers(request: HttpRequest, merchant_id: int) -> list[dict[str, Any]]:
    return selectors.merchant_top_sharers(user=_me(request), merchant_id=merchant_id)


@router.get("/merchants/{int:merchant_id}/top-channels", response=list[ChannelRowOut],
            auth=token_or_session, summary="Merchant staff: which channels our sales came from")
def top_channels(request: HttpRequest, merchant_id: int) -> list[dict[str, Any]]:
    return selectors.merchant_top_channels(user=_me(request), merchant_id=merchant_id)
