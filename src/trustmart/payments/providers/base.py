"""What every payment provider offers, so the rest of the code never knows which one it uses.

A provider does two things. ``create()`` starts a payment at the provider and tells the client
how to continue (a page to open on H5, parameters for an app's SDK). ``parse_callback()`` turns
the provider's asynchronous notification into a ``CallbackData`` after verifying its signature
and freshness, or raises a ``CallbackError`` saying precisely what was wrong. Everything that
follows (dedup, amount check, status change, ledger) is the provider-independent
``services.callback_handle``. ``refund()`` gives money back (``refund_query()`` asks how an
accepted refund ended, ``parse_refund_callback()`` reads a provider's refund notification).
A provider without configuration is off: not offered, and its callbacks are refused.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import DomainError

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Payout, Refund

# A notification older or newer than this (by its signed timestamp) is refused as a replay.
MAX_CLOCK_SKEW = timedelta(minutes=5)


class Outcome(StrEnum):
    """How the payer's attempt ended; the values are the final ``Payment.Status`` values."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Channel(StrEnum):
    """How the payer pays at the provider; chosen from where the payer is (``ClientKind``).

    WeChat Pay: ``jsapi`` inside WeChat (WeixinJSBridge), ``h5`` in another phone browser,
    ``native`` (a QR code of ``code_url``) on a desktop, ``miniprogram`` (wx.requestPayment).
    Alipay: ``wap`` in a browser, ``app`` (the signed order string for the app SDK). The sandbox
    imitates each of them."""

    H5 = "h5"
    JSAPI = "jsapi"
    NATIVE = "native"
    MINIPROGRAM = "miniprogram"
    WAP = "wap"
    APP = "app"


class ClientKind(StrEnum):
    """Where the payer is: what the cashier knows from the user agent, or the API's client."""

    WECHAT = "wechat"  # WeChat's own browser (user agent contains MicroMessenger)
    MOBILE = "mobile"  # another phone browser
    DESKTOP = "desktop"
    MINIPROGRAM = "miniprogram"  # a WeChat mini-program through the REST API
    APP = "app"  # our phone app through the REST API


class StartAction(StrEnum):
    """What the client does with a ``ProviderStart``."""

    REDIRECT = "redirect"  # open redirect_url (H5 cashier, Alipay gateway)
    JSAPI = "jsapi"  # call WeixinJSBridge getBrandWCPayRequest with app_params
    QR = "qr"  # show code_url as a QR code for the payer's phone
    MINIPROGRAM = "miniprogram"  # wx.requestPayment(app_params) in the mini-program
    APP = "app"  # hand app_params["order_string"] to the provider's app SDK


@dataclass(frozen=True)
class ProviderStart:
    """What a client needs to let the payer pay: open ``redirect_url`` (H5), show ``code_url``
    as a QR code, or hand ``app_params`` to WeixinJSBridge, wx.requestPayment or an app SDK
    (``action`` says which)."""

    provider: str
    payment_no: str
    redirect_url: str = ""
    app_params: dict[str, str] = field(default_factory=dict)
    action: str = StartAction.REDIRECT
    code_url: str = ""


@dataclass(frozen=True)
class PayerContext:
    """What the provider needs to know about the payer for one start: the address (WeChat's
    risk checks), and for JSAPI / mini-program orders the payer's openid under ``appid``."""

    client_ip: str = ""
    openid: str = ""
    appid: str = ""


class TradeState(StrEnum):
    """What an order query says: ``paid`` (``data`` holds the transaction), ``open`` (the
    payer may still pay), ``closed`` (it will never be paid), ``missing`` (the provider has no
    such order: the payer never opened its cashier)."""

    PAID = "paid"
    OPEN = "open"
    CLOSED = "closed"
    MISSING = "missing"


@dataclass(frozen=True)
class TradeQuery:
    state: TradeState
    data: CallbackData | None = None
    detail: str = ""


class PayoutStatus(StrEnum):
    """A transfer's state at the provider; the values are ``Payout.Status`` values."""

    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class TransferResult:
    """The provider's verified word on a transfer (商家转账 / 单笔转账). ``missing``: the
    provider has no transfer under our number (it was never placed, so it may be placed)."""

    status: PayoutStatus | None
    provider_bill_id: str = ""
    detail: str = ""
    # WeChat's package_info when the receiver must confirm in WeChat (WAIT_USER_CONFIRM).
    package_info: str = ""
    missing: bool = False


class BillKind(StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


@dataclass(frozen=True)
class BillLine:
    """One line of a provider's daily bill (对账单), read into our terms."""

    kind: BillKind
    number: str  # our payment_no or refund_no
    provider_id: str  # the provider's transaction or refund id
    amount_fen: int
    status: str  # the provider's word: SUCCESS, REFUND, REVOKED, 交易, 退款…
    succeeded: bool  # whether the bill says the money moved


@dataclass(frozen=True)
class CallbackData:
    """A verified notification: the provider vouches for every field."""

    provider_txn_id: str
    payment_no: str
    amount_fen: int
    outcome: Outcome


class CallbackError(DomainError):
    """A notification that must not be believed. ``code`` goes into the callback log."""

    status = 400
    code = "callback_invalid"
    default_message = _("The payment notification is not valid.")


class BadSignature(CallbackError):
    code = "bad_signature"
    default_message = _("The payment notification's signature does not match.")


class StaleTimestamp(CallbackError):
    code = "stale_timestamp"
    default_message = _("The payment notification is too old or from the future.")


class MalformedCallback(CallbackError):
    code = "malformed_callback"
    default_message = _("The payment notification could not be read.")


class NotFinal(MalformedCallback):
    """A verified notification of a state that does not end the payment (NOTPAY,
    WAIT_BUYER_PAY, a refund still processing): answered as received, so the provider does not
    send it again for a day, and nothing changes."""

    code = "callback_not_final"
    default_message = _("The payment notification does not report a final result.")


class RefundStatus(StrEnum):
    """What the provider says of a refund. ``processing``: accepted, the money is on its way
    (the result comes by notification or query). The values are ``Refund.Status`` values."""

    SUCCEEDED = "succeeded"
    PROCESSING = "processing"
    FAILED = "failed"


@dataclass(frozen=True)
class RefundResult:
    """The provider's verified word on a refund: its id for the refund (for support and
    disputes), the status, and for a failure the provider's reason."""

    provider_refund_id: str
    status: RefundStatus = RefundStatus.SUCCEEDED
    detail: str = ""


@dataclass(frozen=True)
class RefundNotice:
    """A verified refund notification: the provider vouches for every field."""

    refund_no: str
    payment_no: str
    provider_refund_id: str
    amount_fen: int
    status: RefundStatus
    detail: str = ""


class ProviderError(DomainError):
    """The provider could not be reached, refused the request, or answered something we cannot
    trust. For a refund this is not an answer: the refund stays pending and is retried."""

    status = 502
    code = "payment_provider_error"
    default_message = _("The payment service could not start this payment. Please try again.")

    def __init__(self, message: str | Promise | None = None, *, detail: str = "",
                 http_status: int = 0, provider_code: str = "") -> None:
        super().__init__(message)
        # For logs and a refund's last_error only: never shown to a payer.
        self.detail = detail
        # The provider's HTTP status and error code when it answered with an error.
        self.http_status = http_status
        self.provider_code = provider_code


class ChannelNotSupported(DomainError):
    """This provider cannot be paid from where the payer is (e.g. Alipay inside WeChat)."""

    status = 409
    code = "payment_channel_not_supported"
    default_message = _("This payment method cannot be used here.")


class RefundNotSupported(DomainError):
    """This provider has no refund API in our code (the base implementation): the refund stays
    on record as failed for an operator to pay back by hand in the provider's merchant console.
    The sandbox, WeChat Pay and Alipay all implement refunds."""

    status = 501
    code = "refund_not_supported"
    default_message = _("Refunds through this payment method are not supported yet.")


class PaymentProvider(abc.ABC):
    """One way to pay. Subclasses set ``name`` and ``label`` and implement the three methods."""

    name: ClassVar[str]
    label: ClassVar[str | Promise]
    # Header names (lower case) worth keeping in the callback log; never credentials.
    logged_headers: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abc.abstractmethod
    def from_settings(cls) -> PaymentProvider | None:
        """The configured provider, or None when its settings are missing (it is off)."""

    # The channels this provider offers, per client kind (``channel_for``).
    channels: ClassVar[dict[str, str]] = {}

    def channel_for(self, client: str) -> str:
        """The channel to pay through from ``client`` (a ``ClientKind``); raises
        ``ChannelNotSupported`` when there is none (e.g. Alipay inside WeChat)."""
        channel = self.channels.get(client)
        if channel is None:
            raise ChannelNotSupported()
        return channel

    @abc.abstractmethod
    def create(self, payment: Payment, *, client_ip: str = "",
               payer: PayerContext | None = None) -> ProviderStart:
        """Start ``payment`` at the provider through ``payment.channel``. May call the
        provider's API over the network, so callers run it outside any database transaction.
        ``client_ip``: the payer's address, which some providers require for their risk checks
        (WeChat Pay H5); ``payer``: the openid for JSAPI and mini-program orders."""

    def query(self, payment: Payment) -> TradeQuery:
        """Ask the provider how ``payment`` stands (network: outside transactions). Raises
        ``ProviderError`` when there is no trustworthy answer."""
        raise ProviderError(detail="this provider cannot be queried")

    def close(self, payment: Payment) -> None:
        """Close the unpaid order at the provider so it can no longer be paid (network:
        outside transactions). Callers query afterwards: the query, not this call, says how
        the payment ended (it may have been paid a moment before). Raises ``ProviderError``."""
        raise ProviderError(detail="this provider cannot close orders")

    def bill(self, bill_date: date) -> list[BillLine]:
        """The provider's trade bill of ``bill_date`` (Asia/Shanghai): payments and refunds.
        Raises ``ProviderError`` when it cannot be had or does not check out."""
        raise ProviderError(detail="this provider has no bills")

    def transfer(self, payout: Payout) -> TransferResult:
        """Pay ``payout`` out to its account (network: outside transactions). Providers
        deduplicate by our ``payout_no``, so a retried call transfers once."""
        raise ProviderError(detail="this provider cannot transfer money")

    def transfer_query(self, payout: Payout) -> TransferResult:
        """How a transfer stands at the provider (``missing`` when it was never placed)."""
        raise ProviderError(detail="this provider cannot transfer money")

    @abc.abstractmethod
    def parse_callback(self, headers: Mapping[str, str], body: bytes, *,
                       now: datetime | None = None) -> CallbackData:
        """Verify and read a notification. ``headers`` have lower-case names.

        Raises ``BadSignature``, ``StaleTimestamp`` or ``MalformedCallback``.
        """

    def refund(self, payment: Payment, amount_fen: int, refund_no: str, *,
               reason: str = "") -> RefundResult:
        """Give ``amount_fen`` of ``payment`` back to the payer. May call the provider over the
        network, so callers run it outside any transaction. Real providers deduplicate by our
        ``refund_no`` (WeChat ``out_refund_no``, Alipay ``out_request_no``), so a retried call
        refunds once. Raises ``ProviderError`` when there is no trustworthy answer (retried
        later); a provider without a refund API raises ``RefundNotSupported``."""
        raise RefundNotSupported()

    def refund_query(self, refund: Refund) -> RefundResult:
        """Ask the provider how a ``processing`` refund stands (network: outside transactions).
        Raises ``ProviderError`` when there is no trustworthy answer."""
        raise RefundNotSupported()

    def parse_refund_callback(self, headers: Mapping[str, str], body: bytes, *,
                              now: datetime | None = None) -> RefundNotice:
        """Verify and read a refund notification (only providers that send them)."""
        raise MalformedCallback(_("This payment method sends no refund notifications."))

    def callback_response(self, *, accepted: bool, message: str = "") -> tuple[int, Any]:
        """(HTTP status, body) to answer a notification with: what the provider expects so that
        it stops retrying an accepted one and retries a refused one. A dict is sent as JSON, a
        string as plain text."""
        if accepted:
            return 200, {"code": "SUCCESS"}
        return 400, {"code": "FAIL", "message": message}
