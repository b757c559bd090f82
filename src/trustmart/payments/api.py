"""REST endpoints for payments. Each handler parses, calls one service or selector, returns.

The providers' callback endpoint is not here: it is a plain Django view (``views.callback``)
because providers post their own formats and expect their own answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictInt

from trustmart.accounts.auth import token_or_session
from trustmart.core.errors import invalid
from trustmart.core.idempotency import idempotent
from trustmart.core.ratelimit import client_ip

from . import selectors, services
from .models import Payment
from .providers import DEFAULT_PROVIDER, ClientKind, ProviderStart
from .views import client_kind

# What an API client says it is (``channel``) → where the payer is. Empty: from the
# User-Agent, as the H5 cashier decides.
API_CLIENTS = {
    "wechat_miniprogram": ClientKind.MINIPROGRAM, "miniprogram": ClientKind.MINIPROGRAM,
    "alipay_app": ClientKind.APP, "app": ClientKind.APP,
    "wechat_jsapi": ClientKind.WECHAT, "wechat": ClientKind.WECHAT,
    "h5": ClientKind.MOBILE, "mobile": ClientKind.MOBILE,
    "native": ClientKind.DESKTOP, "desktop": ClientKind.DESKTOP,
}


def _client(request: HttpRequest, channel: str) -> str:
    if not channel:
        return client_kind(request)
    if channel not in API_CLIENTS:
        raise invalid("channel", "wechat_miniprogram, alipay_app, wechat_jsapi, h5 or native",
                      code="payment_channel_not_supported")
    return API_CLIENTS[channel]

router = Router(tags=["payments"], auth=token_or_session)


class DepositIn(Schema):
    merchant_id: int
    amount_fen: StrictInt
    provider: str = DEFAULT_PROVIDER
    return_url: str = ""


class CheckoutPaymentIn(Schema):
    checkout_no: str
    provider: str = DEFAULT_PROVIDER
    return_url: str = ""
    # wechat_miniprogram (wx.requestPayment), alipay_app (the app SDK's order string),
    # wechat_jsapi, h5, native; empty: decided from the User-Agent like the H5 cashier.
    channel: str = ""


class PaymentStartOut(Schema):
    payment_no: str
    amount_fen: int
    status: str
    provider: str
    channel: str
    # redirect (open pay_url), jsapi (WeixinJSBridge), miniprogram (wx.requestPayment with
    # app_params), app (app_params.order_string to the app SDK), qr (show code_url)
    action: str
    pay_url: str
    code_url: str
    app_params: dict[str, str]


class MiniprogramSessionIn(Schema):
    code: str


class MiniprogramSessionOut(Schema):
    appid: str


class RefundOut(Schema):
    refund_no: str
    amount_fen: int
    status: str  # pending, processing, succeeded or failed
    reason: str
    created_at: datetime
    refunded_at: datetime | None


class PaymentOut(Schema):
    payment_no: str
    purpose: str
    reference: str
    description: str
    amount_fen: int
    status: str
    provider: str
    channel: str
    expires_at: datetime | None
    created_at: datetime
    paid_at: datetime | None
    refunded_fen: int
    refunds: list[RefundOut]  # oldest first: what is on its way back to the payer, and how

    @staticmethod
    def resolve_refunds(obj: Payment) -> list[Any]:
        return sorted(obj.refunds.all(), key=lambda refund: (refund.created_at, refund.pk))


class SandboxCompleteIn(Schema):
    outcome: str


def payment_start_out(request: HttpRequest, payment: Payment,
                      start: ProviderStart) -> PaymentStartOut:
    """How the client continues with a started payment (other apps' pay endpoints too)."""
    return PaymentStartOut(
        payment_no=payment.payment_no, amount_fen=payment.amount_fen, status=payment.status,
        provider=payment.provider, channel=payment.channel, action=str(start.action),
        pay_url=request.build_absolute_uri(start.redirect_url) if start.redirect_url else "",
        code_url=(request.build_absolute_uri(start.code_url)
                  if start.code_url.startswith("/") else start.code_url),
        app_params=start.app_params,
    )


@router.post("/deposits", response={201: PaymentStartOut}, summary=(
    "Pay a merchant's guarantee deposit (merchant staff); open pay_url to pay"))
@decorate_view(idempotent)
def deposit_create(request: HttpRequest, payload: DepositIn) -> Status[PaymentStartOut]:
    user = request.auth  # type: ignore[attr-defined]
    payment = services.deposit_payment_create(user=user, client=client_kind(request),
                                              **payload.dict())
    start = services.payment_start(user=user, payment_no=payment.payment_no, payment=payment,
                                   client_ip=client_ip(request))
    return Status(201, payment_start_out(request, payment, start))


@router.post("/checkouts", response={201: PaymentStartOut}, summary=(
    "Pay a checkout (its buyer only): all its orders at once, held in escrow; open pay_url. "
    "Idempotent without a key: asking again answers the same open payment"))
def checkout_payment_create(request: HttpRequest,
                            payload: CheckoutPaymentIn) -> Status[PaymentStartOut]:
    user = request.auth  # type: ignore[attr-defined]
    data = payload.dict()
    client = _client(request, data.pop("channel"))
    payment = services.checkout_payment_create(user=user, client=client, **data)
    start = services.payment_start(user=user, payment_no=payment.payment_no, payment=payment,
                                   client_ip=client_ip(request))
    return Status(201, payment_start_out(request, payment, start))


@router.post("/wechat/miniprogram/session", response=MiniprogramSessionOut, summary=(
    "The mini-program logged in (wx.login's code): we learn the payer's openid under the "
    "mini-program's app id, so its checkouts can be paid with channel wechat_miniprogram"))
def miniprogram_session(request: HttpRequest,
                        payload: MiniprogramSessionIn) -> MiniprogramSessionOut:
    row = services.wechat_miniprogram_session(user=request.auth,  # type: ignore[attr-defined]
                                              code=payload.code)
    return MiniprogramSessionOut(appid=row.appid)


class PayoutAccountOut(Schema):
    id: int
    kind: str
    status: str
    masked: str
    created_at: datetime


class AlipayAccountIn(Schema):
    login_id: str
    login_id_again: str
    real_name: str
    confirmed: bool = False


class WechatAccountIn(Schema):
    real_name: str = ""


class PayoutOut(Schema):
    id: int
    payout_no: str
    source: str
    amount_fen: int
    status: str  # pending, processing, succeeded, failed (the money is back in the balance)
    account: PayoutAccountOut
    last_error: str
    created_at: datetime
    finished_at: datetime | None


class WalletOut(Schema):
    balance_fen: int
    payouts: list[PayoutOut]


class WalletWithdrawIn(Schema):
    amount_fen: StrictInt
    request_id: str
    account_id: int | None = None


@router.get("/payout-accounts", response=list[PayoutAccountOut],
            summary="My payout accounts (where my withdrawals go)")
def my_payout_accounts(request: HttpRequest) -> list[Any]:
    user = request.auth  # type: ignore[attr-defined]
    return list(selectors.payout_accounts_of(owner_type="user", owner_id=user.pk))


@router.post("/payout-accounts/wechat", response={201: PayoutAccountOut}, summary=(
    "Use my own WeChat 零钱 (the openid WeChat told us; 409 wechat_openid_required before)"))
def payout_account_wechat(request: HttpRequest,
                          payload: WechatAccountIn) -> Status[PayoutAccountOut]:
    account = services.payout_account_wechat_bind(
        user=request.auth, real_name=payload.real_name)  # type: ignore[attr-defined]
    return Status(201, account)  # type: ignore[arg-type]


@router.post("/payout-accounts/alipay", response={201: PayoutAccountOut}, summary=(
    "Use an Alipay account: login id twice, the real name, and confirmed=true"))
def payout_account_alipay(request: HttpRequest,
                          payload: AlipayAccountIn) -> Status[PayoutAccountOut]:
    account = services.payout_account_alipay_set(
        user=request.auth, **payload.dict())  # type: ignore[attr-defined]
    return Status(201, account)  # type: ignore[arg-type]


@router.get("/wallet", response=WalletOut, summary="我的钱包: my balance and withdrawals")
def my_wallet(request: HttpRequest) -> WalletOut:
    user = request.auth  # type: ignore[attr-defined]
    return WalletOut(balance_fen=services.wallet_balance_fen(user_id=user.pk),
                     payouts=list(services.wallet_payouts(user_id=user.pk)))  # type: ignore[arg-type]


@router.post("/wallet/withdrawals", response={201: PayoutOut}, summary=(
    "Withdraw from my wallet to my payout account; the same request_id withdraws once"))
def wallet_withdraw(request: HttpRequest, payload: WalletWithdrawIn) -> Status[PayoutOut]:
    user = request.auth  # type: ignore[attr-defined]
    payout = services.wallet_withdraw(user=user, **payload.dict())
    return Status(201, selectors.payout_for_owner(user=user,  # type: ignore[arg-type]
                                                  payout_id=payout.pk))


@router.get("/payouts/{int:payout_id}", response=PayoutOut, summary="One of my payouts")
def my_payout(request: HttpRequest, payout_id: int) -> Any:
    return selectors.payout_for_owner(user=request.auth,  # type: ignore[attr-defined]
                                      payout_id=payout_id)


@router.get("/mine", response=list[PaymentOut], summary="My payments, newest first")
@paginate
def my_payments(request: HttpRequest) -> list[Payment]:
    return selectors.payments_of(user=request.auth)  # type: ignore[attr-defined, return-value]


@router.post("/sandbox/{payment_no}/complete", response=PaymentOut,
             url_name="payment_sandbox_complete",
             summary="Sandbox only: finish my payment as succeeded, failed or cancelled")
def sandbox_complete(request: HttpRequest, payment_no: str,
                     payload: SandboxCompleteIn) -> Payment:
    user = request.auth  # type: ignore[attr-defined]
    services.sandbox_complete(user=user, payment_no=payment_no, outcome=payload.outcome)
    return selectors.payment_for_payer(user=user, payment_no=payment_no)


@router.get("/{payment_no}", response=PaymentOut, summary="One of my payments")
def payment_detail(request: HttpRequest, payment_no: str) -> Payment:
    return selectors.payment_for_payer(user=request.auth,  # type: ignore[attr-defined]
                                       payment_no=payment_no)
