"""Creating payments and starting them at the provider.

Creating a payment is a short transaction that only writes our row; starting it
(``payment_start``) may call the provider over the network and so runs outside any
transaction. A failed or cancelled payment is never reopened: the payer creates a new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, invalid
from trustmart.core.money import format_fen
from trustmart.merchants.models import Merchant, MerchantApplication
from trustmart.merchants.selectors import merchant_deposit_balance_fen, merchant_for_staff

from ..models import Payment, WechatOpenid
from ..providers import (
    DEFAULT_PROVIDER,
    Channel,
    ClientKind,
    Outcome,
    PayerContext,
    ProviderStart,
    get_provider,
)
from ..providers.sandbox import CHOICE_STATES, SandboxProvider
from ..selectors import (
    DEPOSIT_MAX_FEN,
    deposit_minimum_fen,
    deposit_reference,
    payment_for_payer,
    payment_not_found,
)
from .callbacks import CallbackResult, callback_handle
from .purposes import handler_for

if TYPE_CHECKING:
    from trustmart.accounts.models import User

RETURN_URL_MAX = 200


def _check_return_url(return_url: str) -> str:
    """Only a path on this site: the result page must not become an open redirect."""
    url = (return_url or "").strip()
    if url and (not url.startswith("/") or url.startswith("//") or "\\" in url
                or len(url) > RETURN_URL_MAX or any(ord(c) < 33 for c in url)):
        raise invalid("return_url", _("The return address must be a path on this site."),
                      code="invalid_return_url")
    return url


def _check_amount(amount_fen: Any, *, minimum: int) -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise invalid("amount_fen", _("The amount must be a whole number of fen."),
                      code="invalid_amount")
    if amount_fen < minimum:
        raise invalid("amount_fen", _("The amount must be at least %(min)s.")
                      % {"min": format_fen(minimum)}, code="amount_below_minimum")
    if amount_fen > DEPOSIT_MAX_FEN:
        raise invalid("amount_fen", _("The amount must be at most %(max)s.")
                      % {"max": format_fen(DEPOSIT_MAX_FEN)}, code="amount_above_maximum")
    return amount_fen


def _check_merchant_may_pay(merchant: Merchant) -> None:
    """Only an approved merchant that is not closed keeps a deposit (a suspended one may pay
    precisely to be reinstated)."""
    if merchant.application.status != MerchantApplication.Status.APPROVED:
        raise Conflict(_("This merchant has not been approved yet."),
                       code="merchant_not_approved")
    if merchant.status == Merchant.Status.CLOSED:
        raise Conflict(_("This merchant is closed and cannot pay a deposit."),
                       code="merchant_closed")


class WechatOpenidRequired(Conflict):
    """A JSAPI / mini-program payment needs the payer's openid, which we do not have yet: the
    page sends the payer through WeChat's web authorisation, the mini-program logs in."""

    code = "wechat_openid_required"
    default_message = _("Please let WeChat confirm who you are, then pay again.")


def payment_channel(*, provider: str, client: str) -> str:
    """The channel ``provider`` is paid through from ``client`` (a ``ClientKind``);
    ``payment_channel_not_supported`` (409) when there is none, e.g. Alipay inside WeChat."""
    return get_provider(provider).channel_for(client)


def default_expiry() -> datetime:
    return timezone.now() + timedelta(minutes=int(settings.PAYMENT_EXPIRY_MINUTES))


def payment_create(*, payer: User, purpose: str, reference: str, amount_fen: int,
                   provider: str = DEFAULT_PROVIDER, description: str = "",
                   return_url: str = "", channel: str = "",
                   expires_at: datetime | None = None) -> Payment:
    """A new payment waiting to be paid. Callers check who may pay for what, and how much;
    this refuses only what no purpose could want. It expires at ``expires_at`` (default:
    ``PAYMENT_EXPIRY_MINUTES`` from now); the provider's order expires with it."""
    handler_for(purpose)  # a payment nobody could settle must not be taken
    impl = get_provider(provider)
    url = _check_return_url(return_url)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise invalid("amount_fen", _("The amount must be a whole number of fen."),
                      code="invalid_amount")
    if channel and channel not in impl.channels.values():
        raise invalid("channel", _("This payment method cannot be used here."),
                      code="payment_channel_not_supported")
    return Payment.objects.create(payer=payer, purpose=purpose, reference=reference,
                                  amount_fen=amount_fen, provider=impl.name,
                                  description=description[:128], return_url=url,
                                  channel=channel, expires_at=expires_at or default_expiry())


def deposit_payment_create(*, user: User, merchant_id: int, amount_fen: int,
                           return_url: str = "", provider: str = DEFAULT_PROVIDER,
                           client: str = ClientKind.MOBILE) -> Payment:
    """A merchant's staff member pays (part of) its guarantee deposit, or tops it up.

    At least ¥100 (or the whole shortfall when less is missing), at most ¥10,000,000. Nothing is
    written unless every check passes; the payer then continues with ``payment_start``.
    """
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    _check_merchant_may_pay(merchant)
    shortfall = max(merchant.deposit_required_fen
                    - merchant_deposit_balance_fen(merchant=merchant), 0)
    amount = _check_amount(amount_fen, minimum=deposit_minimum_fen(shortfall_fen=shortfall))
    return payment_create(payer=user, purpose=Payment.Purpose.DEPOSIT,
                          reference=deposit_reference(merchant.pk), amount_fen=amount,
                          provider=provider, description=merchant.name, return_url=return_url,
                          channel=payment_channel(provider=provider, client=client))


def payment_start(*, user: User, payment_no: str, payment: Payment | None = None,
                  client_ip: str = "") -> ProviderStart:
    """How the payer continues at the provider. Runs outside any transaction on purpose: a
    real provider is called over the network here.

    ``payment``: the row the caller has just created or reused for this payer, so it need not
    be read again; anything else (another number, another payer) is read and checked.
    ``client_ip``: the payer's address, passed to the provider (WeChat Pay requires it)."""
    if (payment is None or payment.payment_no != payment_no or user.pk is None
            or payment.payer_id != user.pk):
        payment = payment_for_payer(user=user, payment_no=payment_no)
    if payment.status != Payment.Status.CREATED:
        raise Conflict(_("This payment is already finished. Start a new one to pay again."),
                       code="payment_closed")
    if payment.expires_at is not None and payment.expires_at <= timezone.now():
        raise Conflict(_("This payment has expired. Start a new one to pay again."),
                       code="payment_closed")
    impl = get_provider(payment.provider)
    return impl.create(payment, client_ip=client_ip,
                       payer=PayerContext(client_ip=client_ip,
                                          **_openid_for(impl, payment=payment, user=user)))


def _openid_for(impl: Any, *, payment: Payment, user: User) -> dict[str, str]:
    """The payer's openid for a JSAPI or mini-program order, under the app id the provider
    places it with (the sandbox needs none). ``wechat_openid_required`` when we have none."""
    if payment.channel not in (Channel.JSAPI, Channel.MINIPROGRAM):
        return {}
    appid = (getattr(impl, "jsapi_appid", "") if payment.channel == Channel.JSAPI
             else getattr(impl, "miniprogram_appid", ""))
    if not appid:
        return {}
    openid = (WechatOpenid.objects.filter(user=user, appid=appid)
              .values_list("openid", flat=True).first())
    if not openid:
        raise WechatOpenidRequired()
    return {"openid": openid, "appid": appid}


def sandbox_complete(*, user: User, payment_no: str, outcome: str,
                     notify: bool = True) -> CallbackResult:
    """The payer's choice on the sandbox cashier, delivered as a signed notification.

    The sandbox books the choice first (its own records, what its queries answer); with
    ``notify=False`` the notification is "lost" (demos and tests of the query job).

    The notification goes through ``callback_handle`` exactly as a real provider's would over
    HTTP; each step there has its own transaction, so this function opens none.
    """
    payment = payment_for_payer(user=user, payment_no=payment_no)
    if payment.provider != SandboxProvider.name:
        raise payment_not_found()
    if outcome not in [choice.value for choice in Outcome]:
        raise invalid("outcome", _("Choose succeeded, failed or cancelled."),
                      code="invalid_outcome")
    sandbox = get_provider(SandboxProvider.name)
    assert isinstance(sandbox, SandboxProvider)
    # The sandbox books the choice first (its own records, what its queries answer); a trade
    # it has already ended otherwise (paid, or closed by the sweep) cannot be chosen again.
    if sandbox.trade_choose(payment, outcome) != CHOICE_STATES[Outcome(outcome)]:
        raise Conflict(_("This payment is already finished. Start a new one to pay again."),
                       code="payment_closed")
    if not notify:  # the notification is "lost": only a query will find the payment
        return CallbackResult(outcome="", code="not_notified", payment_no=payment.payment_no,
                              http_status=200, http_body={})
    headers, body = sandbox.notification(payment_no=payment.payment_no,
                                         amount_fen=payment.amount_fen, outcome=outcome)
    result = callback_handle(provider=sandbox.name, headers=headers, body=body)
    if not result.accepted:
        raise Conflict(_("This payment is already finished. Start a new one to pay again."),
                       code="payment_closed")
    return result


def sandbox_bridge_complete(*, user: User, payment_no: str, params: dict[str, str],
                            outcome: str) -> str:
    """The sandbox WeixinJSBridge stand-in's confirm (or cancel): the bridge parameters must
    be the ones the sandbox signed for this payment, as WeChat checks paySign. Answers the
    bridge's ``err_msg``: ``get_brand_wcpay_request:ok`` or ``:cancel``; a cancel in the pay
    sheet changes nothing (the payer may still pay)."""
    payment = payment_for_payer(user=user, payment_no=payment_no)
    if payment.provider != SandboxProvider.name:
        raise payment_not_found()
    sandbox = get_provider(SandboxProvider.name)
    assert isinstance(sandbox, SandboxProvider)
    if not sandbox.bridge_valid(payment.payment_no, params):
        raise invalid("paySign", _("The payment parameters are not valid."),
                      code="bad_signature")
    if outcome == "cancel":
        return "get_brand_wcpay_request:cancel"
    sandbox_complete(user=user, payment_no=payment_no, outcome=Outcome.SUCCEEDED)
    return "get_brand_wcpay_request:ok"
