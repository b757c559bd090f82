"""Alipay (RSA2): the H5 cashier (alipay.trade.wap.pay), the asynchronous notification, and
refunds (alipay.trade.refund, alipay.trade.fastpay.refund.query).

Starting a payment needs no network call: the request parameters are signed with the app's
private key and the payer's browser carries them to the Alipay gateway. Alipay later posts a
form-encoded notification signed with Alipay's key; it is believed only after that signature
and our app_id check out. Refunds are server-to-server calls: a signed form POSTed to the
gateway, answered with JSON whose ``<method>_response`` object is signed by Alipay over its exact
text. The settings and the not-final states are in docs/payments.md.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.money import FEN_PER_YUAN, parse_yuan

from . import rsa as rsa_keys
from .base import (
    BadSignature,
    CallbackData,
    CallbackError,
    MalformedCallback,
    Outcome,
    PaymentProvider,
    ProviderError,
    ProviderStart,
    RefundResult,
    RefundStatus,
)
from .http import Transport, urllib_transport
from .wechatpay import NotFinal

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Refund

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
WAP_METHOD = "alipay.trade.wap.pay"
REFUND_METHOD = "alipay.trade.refund"
REFUND_QUERY_METHOD = "alipay.trade.fastpay.refund.query"
SUCCESS_CODE = "10000"
SHANGHAI = ZoneInfo("Asia/Shanghai")
SUCCEEDED_STATES = frozenset({"TRADE_SUCCESS", "TRADE_FINISHED"})
FAILED_STATES = frozenset({"TRADE_CLOSED"})
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


class WrongApp(CallbackError):
    """Genuinely signed by Alipay, but for another app: not ours to apply."""

    code = "app_id_mismatch"
    default_message = _("The payment notification is for another app.")


def yuan_text(amount_fen: int) -> str:
    """``1234`` → ``"12.34"``: Alipay's amount format, computed in integers."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValueError("an Alipay amount must be a positive number of fen")
    yuan, fen = divmod(amount_fen, FEN_PER_YUAN)
    return f"{yuan}.{fen:02d}"


def sign_content(params: Mapping[str, str]) -> bytes:
    """What is signed: non-empty params except sign and sign_type, sorted, ``k=v`` by ``&``."""
    pairs = sorted((k, v) for k, v in params.items()
                   if k not in {"sign", "sign_type"} and v != "")
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def request_content(params: Mapping[str, str]) -> bytes:
    """For requests Alipay signs sign_type too (only sign is left out)."""
    pairs = sorted((k, v) for k, v in params.items() if k != "sign" and v != "")
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


class AlipayProvider(PaymentProvider):
    name = "alipay"
    label = _("Alipay")
    logged_headers = ("content-type",)

    def __init__(self, *, app_id: str, private_key: rsa.RSAPrivateKey,
                 alipay_public_key: rsa.RSAPublicKey, notify_url: str, return_url: str = "",
                 gateway: str = DEFAULT_GATEWAY, transport: Transport | None = None) -> None:
        self.app_id = app_id
        self.private_key = private_key
        self.alipay_public_key = alipay_public_key
        self.notify_url = notify_url
        self.return_url = return_url
        self.gateway = gateway or DEFAULT_GATEWAY
        self.transport: Transport = transport or urllib_transport

    @classmethod
    def from_settings(cls) -> AlipayProvider | None:
        """Off unless the app id, both keys and the notify URL are set."""
        def get(name: str) -> str:
            return str(getattr(settings, name, "") or "")

        required = ("ALIPAY_APP_ID", "ALIPAY_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY",
                    "ALIPAY_NOTIFY_URL")
        if not all(get(name) for name in required):
            return None
        return cls(app_id=get("ALIPAY_APP_ID"),
                   private_key=rsa_keys.load_private_key(get("ALIPAY_PRIVATE_KEY")),
                   alipay_public_key=rsa_keys.load_public_key(get("ALIPAY_PUBLIC_KEY")),
                   notify_url=get("ALIPAY_NOTIFY_URL"), return_url=get("ALIPAY_RETURN_URL"),
                   gateway=get("ALIPAY_GATEWAY"))

    # --- starting a payment ------------------------------------------------------------------
    def wap_params(self, payment: Payment, *, now: datetime | None = None) -> dict[str, str]:
        """The signed parameters of alipay.trade.wap.pay for ``payment``."""
        subject = payment.description or str(payment.get_purpose_display())
        biz = {"out_trade_no": payment.payment_no, "total_amount": yuan_text(payment.amount_fen),
               "subject": subject[:256], "product_code": "QUICK_WAP_WAY"}
        return self.signed_params(WAP_METHOD, biz, now=now, extra={
            "notify_url": self.notify_url,
            "return_url": self.return_url.replace("{payment_no}", payment.payment_no)})

    def signed_params(self, method: str, biz: Mapping[str, str], *,
                      now: datetime | None = None,
                      extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The common parameters of any request, ``biz_content`` and the RSA2 ``sign``."""
        params = {
            "app_id": self.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": (now or timezone.now()).astimezone(SHANGHAI)
            .strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            **(extra or {}),
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params = {k: v for k, v in params.items() if v != ""}
        params["sign"] = rsa_keys.sign(self.private_key, request_content(params))
        return params

    def create(self, payment: Payment, *, client_ip: str = "") -> ProviderStart:
        """No network call: the payer's browser takes the signed request to the gateway."""
        params = self.wap_params(payment)
        return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                             redirect_url=f"{self.gateway}?{urlencode(params)}")

    # --- refunds (server to server) ----------------------------------------------------------
    def call(self, method: str, biz: Mapping[str, str]) -> dict[str, Any]:
        """POST one signed request to the gateway; the verified ``<method>_response`` object.
        No verified answer (network, HTTP status, no or a bad signature) is a ProviderError."""
        body = urlencode(self.signed_params(method, biz)).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded;charset=utf-8",
                   "Accept": "application/json", "User-Agent": "trustmart"}
        try:
            status, _headers, answer = self.transport("POST", self.gateway, headers, body)
        except OSError as exc:
            raise ProviderError(detail=f"network: {exc}"[:120]) from exc
        if status != 200:
            raise ProviderError(detail=f"HTTP {status}")
        return self.verified_response(answer, method)

    def verified_response(self, answer: bytes, method: str) -> dict[str, Any]:
        """Alipay signs the exact text of the ``<method>_response`` value as it stands in the
        body, so that text is cut out of the body (never re-serialised) and verified."""
        key = method.replace(".", "_") + "_response"
        try:
            text = answer.decode("utf-8")
            document = json.loads(text)
            raw = raw_member(text, key)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProviderError(detail=f"unreadable answer: {exc}"[:120]) from exc
        signature = document.get("sign") if isinstance(document, dict) else None
        if not isinstance(signature, str) or raw is None:
            raise ProviderError(detail=f"the answer has no signed {key}")
        if not rsa_keys.verify(self.alipay_public_key, raw.encode(), signature):
            raise ProviderError(detail="the answer's signature does not match")
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ProviderError(detail=f"{key} is not an object")
        return data

    def refund(self, payment: Payment, amount_fen: int, refund_no: str, *,
               reason: str = "") -> RefundResult:
        """alipay.trade.refund. Alipay deduplicates by ``out_request_no``: a retry with the same
        refund number refunds once. ``fund_change`` N means no money moved by this call (yet,
        or already by an earlier one): it is confirmed by the query."""
        biz = {"out_trade_no": payment.payment_no, "refund_amount": yuan_text(amount_fen),
               "out_request_no": refund_no}
        if reason:
            biz["refund_reason"] = reason[:256]
        data = self.call(REFUND_METHOD, biz)
        if data.get("code") != SUCCESS_CODE:
            return RefundResult(provider_refund_id="", status=RefundStatus.FAILED,
                                detail=_business_error(data))
        if data.get("out_trade_no") not in (None, payment.payment_no):
            raise ProviderError(detail="the answer is about another payment")
        status = (RefundStatus.SUCCEEDED if data.get("fund_change") == "Y"
                  else RefundStatus.PROCESSING)
        return RefundResult(provider_refund_id=str(data.get("trade_no") or "")[:64],
                            status=status)

    def refund_query(self, refund: Refund) -> RefundResult:
        """alipay.trade.fastpay.refund.query: REFUND_SUCCESS is final; anything else (no
        status yet) stays processing. A query Alipay refuses is no answer (ProviderError)."""
        data = self.call(REFUND_QUERY_METHOD, {"out_trade_no": refund.payment.payment_no,
                                               "out_request_no": refund.refund_no})
        if data.get("code") != SUCCESS_CODE:
            raise ProviderError(detail=_business_error(data))
        if data.get("out_request_no") not in (None, refund.refund_no):
            raise ProviderError(detail="the answer is about another refund")
        status = (RefundStatus.SUCCEEDED if data.get("refund_status") == "REFUND_SUCCESS"
                  else RefundStatus.PROCESSING)
        return RefundResult(provider_refund_id=str(data.get("trade_no") or "")[:64],
                            status=status)

    # --- the asynchronous notification -------------------------------------------------------
    def parse_callback(self, headers: Mapping[str, str], body: bytes, *,
                       now: datetime | None = None) -> CallbackData:
        """Verify and read a notify. Alipay's notify carries no signed freshness guarantee
        worth enforcing (retries go on for a day), so ``now`` is unused: replays are harmless
        because callback_handle deduplicates by trade_no."""
        params = _form(body)
        signature = params.get("sign", "")
        if not signature or params.get("sign_type", "RSA2") != "RSA2":
            raise MalformedCallback(_("The signature is missing or not RSA2."))
        if not rsa_keys.verify(self.alipay_public_key, sign_content(params), signature):
            raise BadSignature()
        if params.get("app_id") != self.app_id:
            raise WrongApp()
        payment_no, txn_id = params.get("out_trade_no", ""), params.get("trade_no", "")
        if not (0 < len(payment_no) <= 32 and 0 < len(txn_id) <= 64):
            raise MalformedCallback(_("payment_no or txn_id is not valid."))
        amount_text = params.get("total_amount", "")
        if not _AMOUNT.fullmatch(amount_text):
            raise MalformedCallback(_("The amount must be yuan with at most two decimals."))
        amount = parse_yuan(amount_text)
        if amount <= 0:
            raise MalformedCallback(_("The amount must be positive."))
        status = params.get("trade_status", "")
        if status in SUCCEEDED_STATES:
            outcome = Outcome.SUCCEEDED
        elif status in FAILED_STATES:
            outcome = Outcome.FAILED
        else:
            raise NotFinal()
        return CallbackData(provider_txn_id=txn_id, payment_no=payment_no, amount_fen=amount,
                            outcome=outcome)

    def callback_response(self, *, accepted: bool, message: str = "") -> tuple[int, str]:
        """Alipay's protocol: the plain text ``success`` stops its retries; anything else
        (``fail``) makes it retry."""
        return (200, "success") if accepted else (400, "fail")


def raw_member(text: str, key: str) -> str | None:
    """The exact text of the value of top-level member ``key`` of the JSON object ``text``
    (None when it is missing). Walks the top level with the JSON decoder, so a key-like string
    nested inside another value is never mistaken for it."""
    decoder = json.JSONDecoder()
    whitespace = re.compile(r"\s*")
    index = whitespace.match(text, 0).end()  # type: ignore[union-attr]
    if not text.startswith("{", index):
        raise ValueError("the answer is not a JSON object")
    index += 1
    while True:
        index = whitespace.match(text, index).end()  # type: ignore[union-attr]
        if text.startswith("}", index):
            return None
        name, index = decoder.raw_decode(text, index)
        index = whitespace.match(text, index).end()  # type: ignore[union-attr]
        if not text.startswith(":", index):
            raise ValueError("a member has no value")
        index = whitespace.match(text, index + 1).end()  # type: ignore[union-attr]
        _value, end = decoder.raw_decode(text, index)
        if name == key:
            return text[index:end]
        index = whitespace.match(text, end).end()  # type: ignore[union-attr]
        if text.startswith(",", index):
            index += 1


def _business_error(data: Mapping[str, Any]) -> str:
    """``sub_code: sub_msg`` of a refused request (or its code and msg)."""
    code = data.get("sub_code") or data.get("code") or "unknown"
    message = data.get("sub_msg") or data.get("msg") or ""
    return f"{code}: {message}"[:200]


def _form(body: bytes) -> dict[str, str]:
    """The form-encoded body (values URL-decoded); a repeated field is not trusted."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedCallback(_("The body is not a form.")) from exc
    params = dict(pairs)
    if len(params) != len(pairs):
        raise MalformedCallback(_("A field is repeated."))
    return params
