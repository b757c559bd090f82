"""REST endpoints of a merchant's payable (货款): what it holds, whether it may be withdrawn now
(and why not), and withdrawals to the merchant's verified payout account. Thin: parse, call the
withdrawal service or selectors, return."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import StrictInt

from trustmart.accounts.auth import token_or_session
from trustmart.core.errors import DomainError
from trustmart.merchants.selectors import merchant_for_staff
from trustmart.orders import settlement

from . import services
from .api import PayoutOut
from .models import Payout

router = Router(tags=["payments"], auth=token_or_session)


class PayableRefusalOut(Schema):
    code: str
    message: str


class PayableOut(Schema):
    merchant_id: int
    payable_fen: int  # what can be withdrawn now (withdrawals on their way out are held)
    withdrawal_minimum_fen: int
    can_withdraw: bool
    refusal: PayableRefusalOut | None  # why a withdrawal would be refused now


class MerchantWithdrawalIn(Schema):
    amount_fen: StrictInt
    request_id: str | None = None  # the same id twice withdraws once
    account_id: int | None = None  # which verified payout account; default: the only one


class MerchantWithdrawalOut(Schema):
    payout: PayoutOut
    payable_fen: int


def _refusal(error: DomainError | None) -> PayableRefusalOut | None:
    return None if error is None else PayableRefusalOut(code=error.code,
                                                        message=str(error.message))


@router.get("/merchant/{int:merchant_id}/payable", response=PayableOut,
            summary="The merchant's payable and whether it may be withdrawn now (staff only)")
def payable(request: HttpRequest, merchant_id: int) -> PayableOut:
    merchant = merchant_for_staff(user=request.auth, merchant_id=merchant_id)  # type: ignore[attr-defined]
    refusal = services.merchant_withdrawal_refusal(merchant=merchant)
    return PayableOut(merchant_id=merchant.pk,
                      payable_fen=settlement.merchant_payable_fen(merchant=merchant),
                      withdrawal_minimum_fen=services.withdrawal_minimum_fen(),
                      can_withdraw=refusal is None, refusal=_refusal(refusal))


@router.post("/merchant/{int:merchant_id}/withdrawals", response={201: MerchantWithdrawalOut},
             summary="Withdraw from the payable to a verified payout account (refused 409 while "
                     "the deposit is short or a debt to the guarantee fund is open)")
def withdrawal_create(request: HttpRequest, merchant_id: int,
                      payload: MerchantWithdrawalIn) -> Status[MerchantWithdrawalOut]:
    user = request.auth  # type: ignore[attr-defined]
    payout = services.merchant_withdrawal_create(
        user=user, merchant_id=merchant_id, amount_fen=payload.amount_fen,
        request_id=payload.request_id, account_id=payload.account_id)
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    payout = Payout.objects.select_related("account").get(pk=payout.pk)
    return Status(201, MerchantWithdrawalOut(
        payout=PayoutOut.from_orm(payout),
        payable_fen=settlement.merchant_payable_fen(merchant=merchant)))
