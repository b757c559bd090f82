"""Alipay (RSA2): the H5 cashier (alipay.trade.wap.pay), the app SDK's order string
(alipay.trade.app.pay), the asynchronous notification, query and close (alipay.trade.query,
alipay.trade.close), refunds (alipay.trade.refund, alipay.trade.fastpay.refund.query), the daily
bill (alipay.data.dataservice.bill.downloadurl.query) and transfers to an Alipay account
(alipay.fund.trans.uni.transfer, alipay.fund.trans.common.query).

Starting a payment needs no network call: the request parameters are signed with the app's
private key and the payer's browser carries them to the Alipay gateway. Alipay later posts a
form-encoded notification signed with Alipay's key; it is believed only after that signature
and our app_id check out. Refunds are server-to-server calls: a signed form POSTed to the
gateway, answered with JSON whose ``<method>_response`` object is signed by Alipay over its exact
text. The settings and the not-final states are in docs/payments.md.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.money import FEN_PER_YUAN, parse_yuan

from . import rsa as rsa_keys
from .base import (
    BadSignature,
    BillKind,
    BillLine,
    CallbackData,
    CallbackError,
    Channel,
    ChannelNotSupported,
    ClientKind,
    MalformedCallback,
    NotFinal,
    Outcome,
    PayerContext,
    PaymentProvider,
    PayoutStatus,
    ProviderError,
    ProviderStart,
    RefundResult,
    RefundStatus,
    StartAction,
    TradeQuery,
    TradeState,
    TransferResult,
)
from .http import Transport, urllib_transport

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Payout, Refund

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
WAP_METHOD = "alipay.trade.wap.pay"
REFUND_METHOD = "alipay.trade.refund"
REFUND_QUERY_METHOD = "alipay.trade.fastpay.refund.query"
APP_METHOD = "alipay.trade.app.pay"
QUERY_METHOD = "alipay.trade.query"
CLOSE_METHOD = "alipay.trade.close"
BILL_METHOD = "alipay.data.dataservice.bill.downloadurl.query"
TRANSFER_METHOD = "alipay.fund.trans.uni.transfer"
TRANSFER_QUERY_METHOD = "alipay.fund.trans.common.query"
TRANSFER_PRODUCT = "TRANS_ACCOUNT_NO_PWD"
TRANSFER_SCENE = "DIRECT_TRANSFER"
SUBJECT_MAX = 256
TRANSFER_STATES = {"SUCCESS": PayoutStatus.SUCCEEDED, "DEALING": PayoutStatus.PROCESSING,
                   "WAIT_PAY": PayoutStatus.PROCESSING, "INIT": PayoutStatus.PROCESSING,
                   "FAIL": PayoutStatus.FAILED, "REFUND": PayoutStatus.FAILED,
                   "CLOSED": PayoutStatus.FAILED}
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
    """What a notification's signature covers: every param except sign and sign_type, sorted,
    ``k=v`` joined by ``&``, **empty values included** (``k=``). That is what Alipay's own SDKs
    check (Java ``AlipaySignature.getSignCheckContentV1``, Python ``get_sign_content``): a
    notify carrying an empty field is signed with it, and leaving it out fails the check."""
    pairs = sorted((k, v) for k, v in params.items() if k not in {"sign", "sign_type"})
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


def request_content(params: Mapping[str, str]) -> bytes:
    """For requests Alipay signs sign_type too (only sign is left out)."""
    pairs = sorted((k, v) for k, v in params.items() if k != "sign" and v != "")
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


class AlipayProvider(PaymentProvider):
    name = "alipay"
    label = _("Alipay")
    logged_headers = ("content-type",)
    # Inside WeChat Alipay's pages are blocked: the cashier asks to open the browser instead.
    channels = {ClientKind.MOBILE: Channel.WAP, ClientKind.DESKTOP: Channel.WAP,
                ClientKind.APP: Channel.APP}

    def __init__(self, *, app_id: str, private_key: rsa.RSAPrivateKey,
                 alipay_public_key: rsa.RSAPublicKey, notify_url: str, return_url: str = "",
                 gateway: str = DEFAULT_GATEWAY, transport: Transport | None = None,
                 app_cert_sn: str = "", root_cert_sn: str = "") -> None:
        self.app_id = app_id
        # Certificate mode (required by Alipay for transfers): both serials go with requests.
        self.app_cert_sn = app_cert_sn
        self.root_cert_sn = root_cert_sn
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
                   gateway=get("ALIPAY_GATEWAY"), app_cert_sn=get("ALIPAY_APP_CERT_SN"),
                   root_cert_sn=get("ALIPAY_ROOT_CERT_SN"))

    # --- starting a payment ------------------------------------------------------------------
    def trade_biz(self, payment: Payment, *, product_code: str) -> dict[str, str]:
        """What every order carries: the goods' description as subject, the amount in yuan,
        and ``time_expire`` (China time) so a closed checkout cannot be paid."""
        subject = payment.description or str(payment.get_purpose_display())
        biz = {"out_trade_no": payment.payment_no, "total_amount": yuan_text(payment.amount_fen),
               "subject": subject[:SUBJECT_MAX], "product_code": product_code}
        if payment.expires_at is not None:
            biz["time_expire"] = payment.expires_at.astimezone(SHANGHAI) \
                .strftime("%Y-%m-%d %H:%M:%S")
        return biz

    def wap_params(self, payment: Payment, *, now: datetime | None = None) -> dict[str, str]:
        """The signed parameters of alipay.trade.wap.pay for ``payment``."""
        return self.signed_params(
            WAP_METHOD, self.trade_biz(payment, product_code="QUICK_WAP_WAY"), now=now,
            extra={"notify_url": self.notify_url,
                   "return_url": self.return_url.replace("{payment_no}", payment.payment_no)})

    def app_order_string(self, payment: Payment, *, now: datetime | None = None) -> str:
        """alipay.trade.app.pay: the signed, URL-encoded parameters the app SDK takes as its
        order string (the SDK sends them to Alipay itself)."""
        params = self.signed_params(
            APP_METHOD, self.trade_biz(payment, product_code="QUICK_MSECURITY_PAY"), now=now,
            extra={"notify_url": self.notify_url})
        return urlencode(params)

    def signed_params(self, method: str, biz: Mapping[str, Any], *,
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
            "app_cert_sn": self.app_cert_sn,
            "alipay_root_cert_sn": self.root_cert_sn,
            **(extra or {}),
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params = {k: v for k, v in params.items() if v != ""}
        params["sign"] = rsa_keys.sign(self.private_key, request_content(params))
        return params

    def create(self, payment: Payment, *, client_ip: str = "",
               payer: PayerContext | None = None) -> ProviderStart:
        """No network call: the payer's browser (wap) or our app's Alipay SDK (app) takes the
        signed request to Alipay."""
        if payment.channel == Channel.APP:
            return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                                 action=StartAction.APP,
                                 app_params={"order_string": self.app_order_string(payment)})
        if payment.channel not in ("", Channel.WAP):
            raise ChannelNotSupported()
        params = self.wap_params(payment)
        return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                             redirect_url=f"{self.gateway}?{urlencode(params)}")

    # --- query and close ---------------------------------------------------------------------
    def query(self, payment: Payment) -> TradeQuery:
        """alipay.trade.query: TRADE_SUCCESS / TRADE_FINISHED → paid, WAIT_BUYER_PAY → open,
        TRADE_CLOSED → closed; ACQ.TRADE_NOT_EXIST (the payer never opened the cashier) →
        missing."""
        data = self.call(QUERY_METHOD, {"out_trade_no": payment.payment_no})
        if data.get("code") != SUCCESS_CODE:
            if data.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
                return TradeQuery(state=TradeState.MISSING, detail="ACQ.TRADE_NOT_EXIST")
            raise ProviderError(detail=_business_error(data))
        if data.get("out_trade_no") != payment.payment_no:
            raise ProviderError(detail="the answer is about another payment")
        status = str(data.get("trade_status") or "")
        if status in SUCCEEDED_STATES:
            txn_id, amount_text = str(data.get("trade_no") or ""), str(data.get("total_amount"))
            if not (0 < len(txn_id) <= 64 and _AMOUNT.fullmatch(amount_text)):
                raise ProviderError(detail="unreadable trade")
            return TradeQuery(state=TradeState.PAID, detail=status, data=CallbackData(
                provider_txn_id=txn_id, payment_no=payment.payment_no,
                amount_fen=parse_yuan(amount_text), outcome=Outcome.SUCCEEDED))
        if status in FAILED_STATES:
            return TradeQuery(state=TradeState.CLOSED, detail=status)
        if status == "WAIT_BUYER_PAY":
            return TradeQuery(state=TradeState.OPEN, detail=status)
        raise ProviderError(detail=f"unknown trade status {status!r}"[:80])

    def close(self, payment: Payment) -> None:
        """alipay.trade.close. A trade Alipay does not know (never opened) has nothing to
        close; a paid one refuses (ACQ.TRADE_STATUS_ERROR) and the query then says so."""
        data = self.call(CLOSE_METHOD, {"out_trade_no": payment.payment_no})
        if data.get("code") != SUCCESS_CODE and data.get("sub_code") not in (
                "ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_STATUS_ERROR"):
            raise ProviderError(detail=_business_error(data))

    # --- the daily bill ------------------------------------------------------------------------
    def bill(self, bill_date: date) -> list[BillLine]:
        """alipay.data.dataservice.bill.downloadurl.query (bill_type trade) gives a URL (valid
        30 s) of a zip holding GBK CSV files; the detail file (业务明细, not its 汇总) is read."""
        data = self.call(BILL_METHOD, {"bill_type": "trade", "bill_date": bill_date.isoformat()})
        if data.get("code") != SUCCESS_CODE:
            raise ProviderError(detail=_business_error(data))
        url = str(data.get("bill_download_url") or "")
        if urlsplit(url).scheme != "https":
            raise ProviderError(detail="no https bill_download_url")
        try:
            status, _headers, raw = self.transport("GET", url, {"User-Agent": "trustmart"}, b"")
        except OSError as exc:
            raise ProviderError(detail=f"network: {exc}"[:120]) from exc
        if status != 200:
            raise ProviderError(detail=f"bill download: HTTP {status}", http_status=status)
        try:
            return parse_bill_zip(raw)
        except (zipfile.BadZipFile, UnicodeDecodeError, ValueError, KeyError) as exc:
            raise ProviderError(detail=f"unreadable bill: {exc}"[:120]) from exc

    # --- transfers (单笔转账) -------------------------------------------------------------------
    def transfer(self, payout: Payout) -> TransferResult:
        """alipay.fund.trans.uni.transfer to the account's Alipay login id, checked by Alipay
        against the real name. Alipay deduplicates by ``out_biz_no`` (our payout number)."""
        account = payout.account
        if account is None or not account.alipay_login_id or not account.real_name:
            raise ProviderError(detail="the payout account has no Alipay login id and name")
        biz = {"out_biz_no": payout.payout_no, "trans_amount": yuan_text(payout.amount_fen),
               "product_code": TRANSFER_PRODUCT, "biz_scene": TRANSFER_SCENE,
               "order_title": (payout.remark or "TrustMart")[:128],
               "payee_info": {"identity": account.alipay_login_id,
                              "identity_type": "ALIPAY_LOGON_ID", "name": account.real_name}}
        data = self.call(TRANSFER_METHOD, biz)
        if data.get("code") != SUCCESS_CODE:
            if str(data.get("code")) in ("20000", "20001") or data.get("sub_code") in (
                    "SYSTEM_ERROR", "ISP.SYSTEM_ERROR"):
                raise ProviderError(detail=_business_error(data))  # unknown: query again
            return TransferResult(status=PayoutStatus.FAILED, detail=_business_error(data))
        return self._transfer_result(data, payout_no=payout.payout_no)

    def transfer_query(self, payout: Payout) -> TransferResult:
        data = self.call(TRANSFER_QUERY_METHOD, {
            "out_biz_no": payout.payout_no, "product_code": TRANSFER_PRODUCT,
            "biz_scene": TRANSFER_SCENE})
        if data.get("code") != SUCCESS_CODE:
            if data.get("sub_code") in ("ORDER_NOT_EXIST", "PAYER_NOT_EXIST"):
                return TransferResult(status=None, missing=True, detail=str(data["sub_code"]))
            raise ProviderError(detail=_business_error(data))
        return self._transfer_result(data, payout_no=payout.payout_no)

    def _transfer_result(self, data: Mapping[str, Any], *, payout_no: str) -> TransferResult:
        if data.get("out_biz_no") not in (None, payout_no):
            raise ProviderError(detail="the answer is about another transfer")
        state = str(data.get("status") or "")
        status = TRANSFER_STATES.get(state)
        if status is None:
            raise ProviderError(detail=f"unknown transfer status {state!r}"[:80])
        detail = (str(data.get("fail_reason") or data.get("error_code") or state)
                  if status == PayoutStatus.FAILED else state)
        return TransferResult(status=status, detail=detail[:200], provider_bill_id=str(
            data.get("order_id") or data.get("pay_fund_order_id") or "")[:64])

    # --- refunds (server to server) ----------------------------------------------------------
    def call(self, method: str, biz: Mapping[str, Any]) -> dict[str, Any]:
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


# The detail file's columns, by the names in its header line (GBK CSV; amounts in yuan).
_BILL_COLUMNS = {"trade_no": "支付宝交易号", "out_trade_no": "商户订单号", "kind": "业务类型",
                 "amount": "订单金额（元）", "request_no": "退款批次号/请求号"}


def parse_bill_zip(raw: bytes) -> list[BillLine]:
    """The zip Alipay's bill URL gives: the ``…业务明细.csv`` file (GBK) read line by line;
    comment lines start with ``#``. 交易 lines are payments, 退款 lines refunds (negative
    amounts, the refund's out_request_no in 退款批次号/请求号)."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        names = [name for name in archive.namelist()
                 if name.endswith(".csv") and "汇总" not in name]
        if not names:
            raise ValueError("no detail file in the bill")
        text = archive.read(names[0]).decode("gbk")
    rows = [row for row in csv.reader(io.StringIO(text))
            if row and not row[0].lstrip().startswith("#")]
    if not rows:
        raise ValueError("the bill is empty")
    header = [name.strip() for name in rows[0]]
    index = {key: header.index(name) for key, name in _BILL_COLUMNS.items()}
    lines: list[BillLine] = []
    for row in rows[1:]:
        fields = [value.strip() for value in row]
        if len(fields) < len(header):
            continue
        kind = fields[index["kind"]]
        amount = abs(parse_yuan(fields[index["amount"]]))
        if kind == "退款":
            lines.append(BillLine(kind=BillKind.REFUND, number=fields[index["request_no"]],
                                  provider_id=fields[index["trade_no"]], amount_fen=amount,
                                  status=kind, succeeded=True))
        elif kind == "交易":
            lines.append(BillLine(kind=BillKind.PAYMENT, number=fields[index["out_trade_no"]],
                                  provider_id=fields[index["trade_no"]], amount_fen=amount,
                                  status=kind, succeeded=True))
    return lines


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
