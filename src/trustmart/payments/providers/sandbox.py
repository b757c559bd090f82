"""The sandbox: a pretend provider that behaves like a real one, for development and app testing.

The payer "pays" on our own cashier page (/pay/sandbox/<payment_no>/) by choosing success,
failure or cancel. The sandbox then notifies us exactly as a real provider would: a JSON body
signed with HMAC-SHA256 under ``SANDBOX_PAYMENT_SECRET``, carried in three headers. The site
delivers that notification in-process to the same handler the public callback endpoint uses (a
real provider posts it over the network); anyone holding the secret may also post signed
notifications to ``POST /pay/callback/sandbox/``. The protocol is written up in docs/payments.md.

Like a real provider it keeps its own books (``SandboxRecord``): what the payer did, refunds
and transfers. So it answers order queries, closes orders, issues a daily bill and pays
transfers, and inside WeChat its bridge parameters are signed like WeChat Pay's (HMAC-SHA256
instead of RSA) for the sandbox WeixinJSBridge stand-in (static payments/sandbox-bridge.js).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import (
    MAX_CLOCK_SKEW,
    BadSignature,
    BillKind,
    BillLine,
    CallbackData,
    Channel,
    ClientKind,
    MalformedCallback,
    Outcome,
    PayerContext,
    PaymentProvider,
    PayoutStatus,
    ProviderStart,
    RefundResult,
    StaleTimestamp,
    StartAction,
    TradeQuery,
    TradeState,
    TransferResult,
)

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Payout, Refund, SandboxRecord

SANDBOX_APPID = "sandbox"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The payer's choice → the trade state the sandbox books.
CHOICE_STATES = {Outcome.SUCCEEDED: "SUCCESS", Outcome.FAILED: "PAYERROR",
                 Outcome.CANCELLED: "CLOSED"}

TIMESTAMP_HEADER = "x-sandbox-timestamp"
NONCE_HEADER = "x-sandbox-nonce"
SIGNATURE_HEADER = "x-sandbox-signature"
BODY_FIELDS = frozenset({"payment_no", "txn_id", "amount_fen", "outcome", "timestamp", "nonce"})
_NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def signed_message(*, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What is signed: ``timestamp \\n nonce \\n body \\n`` (the body byte for byte)."""
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def sign(*, secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of ``signed_message`` under ``secret``."""
    return hmac.new(secret.encode(), signed_message(timestamp=timestamp, nonce=nonce, body=body),
                    hashlib.sha256).hexdigest()


def sandbox_txn_id(payment_no: str) -> str:
    """One transaction per payment, like a real provider: a repeated choice is a replay."""
    return f"SBX{payment_no}"


def bridge_message(*, appid: str, timestamp: str, nonce: str, package: str) -> bytes:
    """What the sandbox signs for its bridge: the same four lines as WeChat Pay's paySign."""
    return f"{appid}\n{timestamp}\n{nonce}\n{package}\n".encode()


def _records() -> Any:
    from trustmart.payments.models import SandboxRecord

    return SandboxRecord


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    label = _("Sandbox (test payment)")
    logged_headers = ("content-type", TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
    channels = {ClientKind.WECHAT: Channel.JSAPI, ClientKind.MOBILE: Channel.H5,
                ClientKind.DESKTOP: Channel.NATIVE, ClientKind.MINIPROGRAM: Channel.MINIPROGRAM,
                ClientKind.APP: Channel.APP}

    def __init__(self, *, secret: str) -> None:
        self.secret = secret

    @classmethod
    def from_settings(cls) -> SandboxProvider | None:
        secret = getattr(settings, "SANDBOX_PAYMENT_SECRET", "")
        enabled = getattr(settings, "PAYMENT_SANDBOX_ENABLED", True)
        return cls(secret=secret) if secret and enabled else None

    def create(self, payment: Payment, *, client_ip: str = "",
               payer: PayerContext | None = None) -> ProviderStart:
        """Says how to pay for the channel: our own cashier page (H5), the bridge parameters
        (JSAPI, mini-program), a QR code of the cashier (Native), or an order string (app);
        apps complete through the API. No database write: the trade opens when used."""
        complete_url = reverse("api:payment_sandbox_complete", args=[payment.payment_no])
        cashier = reverse("payments:sandbox", args=[payment.payment_no])
        if payment.channel in (Channel.JSAPI, Channel.MINIPROGRAM):
            params = self.bridge_params(payment.payment_no)
            params["complete_url"] = (complete_url if payment.channel == Channel.MINIPROGRAM
                                      else reverse("payments:sandbox_bridge",
                                                   args=[payment.payment_no]))
            return ProviderStart(
                provider=self.name, payment_no=payment.payment_no, app_params=params,
                action=(StartAction.JSAPI if payment.channel == Channel.JSAPI
                        else StartAction.MINIPROGRAM))
        if payment.channel == Channel.NATIVE:
            # Its cashier shows the QR code and can also be used on this device.
            return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                                 action=StartAction.QR, code_url=cashier, redirect_url=cashier)
        if payment.channel == Channel.APP:
            return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                                 action=StartAction.APP,
                                 app_params={"order_string": f"sandbox:{payment.payment_no}",
                                             "payment_no": payment.payment_no,
                                             "complete_url": complete_url})
        return ProviderStart(
            provider=self.name, payment_no=payment.payment_no, redirect_url=cashier,
            app_params={"payment_no": payment.payment_no, "complete_url": complete_url})

    def bridge_params(self, payment_no: str, *, timestamp: str | None = None,
                      nonce: str | None = None) -> dict[str, str]:
        timestamp = timestamp or str(int(timezone.now().timestamp()))
        nonce = nonce or secrets.token_hex(16)
        package = f"prepay_id=SBXP{payment_no}"
        signature = hmac.new(self.secret.encode(), bridge_message(
            appid=SANDBOX_APPID, timestamp=timestamp, nonce=nonce, package=package),
            hashlib.sha256).hexdigest()
        return {"appId": SANDBOX_APPID, "timeStamp": timestamp, "nonceStr": nonce,
                "package": package, "signType": "HMAC-SHA256", "paySign": signature}

    def bridge_valid(self, payment_no: str, params: Mapping[str, str]) -> bool:
        """Whether ``params`` are the bridge parameters the sandbox signed for ``payment_no``
        (as WeChat checks paySign before it lets the payer pay)."""
        package = params.get("package", "")
        if package != f"prepay_id=SBXP{payment_no}":
            return False
        expected = hmac.new(self.secret.encode(), bridge_message(
            appid=params.get("appId", ""), timestamp=params.get("timeStamp", ""),
            nonce=params.get("nonceStr", ""), package=package), hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, params.get("paySign", ""))

    # --- the sandbox's own books ------------------------------------------------------------
    def trade_open(self, payment: Payment) -> None:
        """The sandbox's trade of ``payment`` (NOTPAY) if it has none yet: one INSERT that
        does nothing when it exists. Opened when first needed (the payer chooses, or the order
        is closed), like a provider whose trade exists once the payer opened its cashier."""
        _records().objects.bulk_create([_records()(
            kind="trade", number=payment.payment_no,
            provider_id=sandbox_txn_id(payment.payment_no), amount_fen=payment.amount_fen,
            state="NOTPAY")], ignore_conflicts=True)

    def trade_choose(self, payment: Payment, outcome: Outcome | str) -> str:
        """The payer's choice booked by the sandbox (once: an open trade only). Returns the
        trade's state afterwards."""
        self.trade_open(payment)
        state = CHOICE_STATES[Outcome(outcome)]
        rows = _records().objects.filter(kind="trade", number=payment.payment_no)
        rows.filter(state="NOTPAY").update(state=state, finished_at=timezone.now())
        return str(rows.values_list("state", flat=True).get())

    def query(self, payment: Payment) -> TradeQuery:
        record = _records().objects.filter(kind="trade", number=payment.payment_no).first()
        if record is None:
            return TradeQuery(state=TradeState.MISSING)
        if record.state == "SUCCESS":
            return TradeQuery(state=TradeState.PAID, detail="SUCCESS", data=CallbackData(
                provider_txn_id=record.provider_id, payment_no=payment.payment_no,
                amount_fen=record.amount_fen, outcome=Outcome.SUCCEEDED))
        if record.state == "NOTPAY":
            return TradeQuery(state=TradeState.OPEN, detail="NOTPAY")
        return TradeQuery(state=TradeState.CLOSED, detail=str(record.state))

    def close(self, payment: Payment) -> None:
        self.trade_open(payment)
        _records().objects.filter(kind="trade", number=payment.payment_no, state="NOTPAY") \
            .update(state="CLOSED", finished_at=timezone.now())

    def refund(self, payment: Payment, amount_fen: int, refund_no: str, *,
               reason: str = "") -> RefundResult:
        """Refunds at once; the id depends only on our refund number, like a real provider
        that deduplicates by it."""
        _records().objects.get_or_create(
            kind="refund", number=refund_no,
            defaults={"provider_id": f"SBXR{refund_no}", "amount_fen": amount_fen,
                      "state": "SUCCESS", "finished_at": timezone.now()})
        return RefundResult(provider_refund_id=f"SBXR{refund_no}")

    def refund_query(self, refund: Refund) -> RefundResult:
        """A sandbox refund is never left processing; asked anyway, it has succeeded."""
        return RefundResult(provider_refund_id=f"SBXR{refund.refund_no}")

    def bill(self, bill_date: date) -> list[BillLine]:
        """Everything the sandbox finished on ``bill_date`` (China time): paid trades and
        refunds, like a real provider's bill."""
        start = datetime.combine(bill_date, time.min, tzinfo=SHANGHAI)
        rows = _records().objects.filter(kind__in=("trade", "refund"), state="SUCCESS",
                                         finished_at__gte=start,
                                         finished_at__lt=start + timedelta(days=1))
        return [BillLine(kind=BillKind.PAYMENT if row.kind == "trade" else BillKind.REFUND,
                         number=row.number, provider_id=row.provider_id,
                         amount_fen=row.amount_fen, status=row.state, succeeded=True)
                for row in rows.order_by("pk")]

    def transfer(self, payout: Payout) -> TransferResult:
        """Pays at once, once per payout number. An account whose identity contains "fail"
        is refused, as a real provider refuses a closed or unverified account (for demos)."""
        account = payout.account
        identity = f"{account.openid}{account.alipay_login_id}{account.bank_account_no}"
        failed = "fail" in identity.lower()
        record, _created = _records().objects.get_or_create(
            kind="transfer", number=payout.payout_no,
            defaults={"provider_id": f"SBXT{payout.payout_no}", "amount_fen": payout.amount_fen,
                      "state": "FAIL" if failed else "SUCCESS",
                      "detail": "ACCOUNT_FROZEN: the receiver's account cannot be paid"
                      if failed else "", "finished_at": timezone.now()})
        return self._transfer_result(record)

    def transfer_query(self, payout: Payout) -> TransferResult:
        record = _records().objects.filter(kind="transfer", number=payout.payout_no).first()
        if record is None:
            return TransferResult(status=None, missing=True)
        return self._transfer_result(record)

    @staticmethod
    def _transfer_result(record: SandboxRecord) -> TransferResult:
        status = PayoutStatus.SUCCEEDED if record.state == "SUCCESS" else PayoutStatus.FAILED
        return TransferResult(status=status, provider_bill_id=record.provider_id,
                              detail=record.detail)

    # --- the provider's side: build a signed notification ---------------------------------
    def notification(self, *, payment_no: str, amount_fen: int, outcome: Outcome | str,
                     txn_id: str | None = None, now: datetime | None = None,
                     nonce: str | None = None) -> tuple[dict[str, str], bytes]:
        """(headers, body) of the notification the sandbox sends for a payer's choice."""
        timestamp = int((now or timezone.now()).timestamp())
        nonce = nonce or secrets.token_hex(16)
        body = json.dumps({
            "payment_no": payment_no,
            "txn_id": txn_id or sandbox_txn_id(payment_no),
            "amount_fen": amount_fen,
            "outcome": str(outcome),
            "timestamp": timestamp,
            "nonce": nonce,
        }, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Sandbox-Timestamp": str(timestamp),
            "X-Sandbox-Nonce": nonce,
            "X-Sandbox-Signature": sign(secret=self.secret, timestamp=str(timestamp),
                                        nonce=nonce, body=body),
        }
        return headers, body

    # --- our side: verify and read it --------------------------------------------------------
    def parse_callback(self, headers: Mapping[str, str], body: bytes, *,
                       now: datetime | None = None) -> CallbackData:
        timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
        nonce = headers.get(NONCE_HEADER, "").strip()
        signature = headers.get(SIGNATURE_HEADER, "").strip().lower()
        if not (_TIMESTAMP.fullmatch(timestamp) and _NONCE.fullmatch(nonce)
                and _SIGNATURE.fullmatch(signature)):
            raise MalformedCallback(_("The signature headers are missing or malformed."))
        expected = sign(secret=self.secret, timestamp=timestamp, nonce=nonce, body=body)
        if not hmac.compare_digest(expected, signature):
            raise BadSignature()
        skew = abs((now or timezone.now()).timestamp() - int(timestamp))
        if skew > MAX_CLOCK_SKEW.total_seconds():
            raise StaleTimestamp()
        return _read_body(body, timestamp=int(timestamp), nonce=nonce)


def _read_body(body: bytes, *, timestamp: int, nonce: str) -> CallbackData:
    """The signed body, field by field; the signed headers and the body must agree."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedCallback(_("The body is not JSON.")) from exc
    if not isinstance(data, dict) or set(data) != BODY_FIELDS:
        raise MalformedCallback(_("The body must have exactly the documented fields."))
    payment_no, txn_id, amount = data["payment_no"], data["txn_id"], data["amount_fen"]
    if not (isinstance(payment_no, str) and 0 < len(payment_no) <= 32
            and isinstance(txn_id, str) and 0 < len(txn_id) <= 64):
        raise MalformedCallback(_("payment_no or txn_id is not valid."))
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise MalformedCallback(_("amount_fen must be a positive integer."))
    if data["outcome"] not in [outcome.value for outcome in Outcome]:
        raise MalformedCallback(_("outcome must be succeeded, failed or cancelled."))
    if data["timestamp"] != timestamp or data["nonce"] != nonce:
        raise MalformedCallback(_("The body's timestamp and nonce differ from the headers."))
    return CallbackData(provider_txn_id=txn_id, payment_no=payment_no, amount_fen=amount,
                        outcome=Outcome(data["outcome"]))
