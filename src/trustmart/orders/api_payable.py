"""REST endpoints of the merchant's payable: what it holds, whether it may be withdrawn now (and
why not), and withdrawals. Thin: parse, call the settlement service or selectors, return."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from trustmart.accounts.auth import token_or_session
from trustmart.core.errors import DomainError
from trustmart.merchants.selectors import merchant_for_staff

from . import settlement

router = Router(tags=["orders"], auth=token_or_session)


class RefusalOut(Schema):
    code: str
    message: str


class PayableOut(Schema):
    merchant_id: int
    payable_fen: int
    withdrawal_minimum_fen: int
    can_withdraw: bool
    refusal: RefusalOut | None  # why a withdrawal would be refused now


class WithdrawalIn(Schema):
    amount_fen: int
    request_id: str | None = None  # the same id twice pays once


class WithdrawalOut(Schema):
    journal_id: int
    amount_fen: int
    posted_at: datetime
    payable_fen: int


def _refusal(error: DomainError | None) -> RefusalOut | None:
    return None if error is None else RefusalOut(code=error.code, message=str(error.message))


@router.get("/merchant/{int:merchant_id}/payable", response=PayableOut,
            summary="The merchant's payable and whether it may be withdrawn now (staff only)")
def payable(request: HttpRequest, merchant_id: int) -> PayableOut:
    merchant = merchant_for_staff(user=request.auth, merchant_id=merchant_id)  # type: ignore[attr-defined]
    refusal = settlement.merchant_withdrawal_refusal(merchant=merchant)
    return PayableOut(merchant_id=merchant.pk,
                      payable_fen=settlement.merchant_payable_fen(merchant=merchant),
                      withdrawal_minimum_fen=settlement.withdrawal_minimum_fen(),
                      can_withdraw=refusal is None, refusal=_refusal(refusal))


@router.post("/merchant/{int:merchant_id}/withdrawals", response={201: WithdrawalOut},
             summary="Withdraw from the payable (refused 409 while the deposit is short or a "
                     "debt to the guarantee fund is open)")
def withdrawal_create(request: HttpRequest, merchant_id: int,
                      payload: WithdrawalIn) -> Status[WithdrawalOut]:
    user = request.auth  # type: ignore[attr-defined]
    journal = settlement.merchant_withdrawal_create(
        user=user, merchant_id=merchant_id, amount_fen=payload.amount_fen,
        request_id=payload.request_id)
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    return Status(201, WithdrawalOut(
        journal_id=journal.pk, amount_fen=payload.amount_fen, posted_at=journal.posted_at,
        payable_fen=settlement.merchant_payable_fen(merchant=merchant)))
