"""WeChat Pay APIv3: orders (JSAPI inside WeChat and mini-programs, H5 in other phone browsers,
Native QR codes on desktops), query and close, refunds, trade bills and transfers (商家转账),
all signed with the merchant key; notifications (payment and refund) verified and decrypted;
platform certificates downloaded, or one WeChat Pay public key configured instead.

Every request to WeChat carries ``Authorization: WECHATPAY2-SHA256-RSA2048 ...``: an RSA-SHA256
signature with the merchant private key over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n``.
Every answer and every notification is signed by WeChat's platform key over
``TIMESTAMP\\nNONCE\\nBODY\\n``; the ``Wechatpay-Serial`` header names which of the configured
platform keys (or of the downloaded certificates in force) to check it with. A notification's
payload is encrypted (AEAD_AES_256_GCM under the APIv3 key), so the body alone says nothing until
it has been both verified and decrypted; so is each certificate of ``GET /v3/certificates``.
The settings and the not-final states are written up in docs/payments.md.
"""

from __future__ import annotations

import base64
import binascii
import csv
import gzip
import hashlib
import io
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import DomainError
from trustmart.core.money import parse_yuan

from . import rsa as rsa_keys
from .base import (
    MAX_CLOCK_SKEW,
    BadSignature,
    BillKind,
    BillLine,
    CallbackData,
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
    RefundNotice,
    RefundResult,
    RefundStatus,
    StaleTimestamp,
    StartAction,
    TradeQuery,
    TradeState,
    TransferResult,
)
from .http import HTTP_TIMEOUT_SECONDS, Transport, urllib_transport

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Payout, Refund

H5_PATH = "/v3/pay/transactions/h5"
JSAPI_PATH = "/v3/pay/transactions/jsapi"
NATIVE_PATH = "/v3/pay/transactions/native"
ORDER_PATH = "/v3/pay/transactions/out-trade-no/{no}"
TRADE_BILL_PATH = "/v3/bill/tradebill"
TRANSFER_PATH = "/v3/fund-app/mch-transfer/transfer-bills"
TRANSFER_QUERY_PATH = "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{no}"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# WeChat's description is at most 127 (UTF-8) bytes.
DESCRIPTION_MAX_BYTES = 127
# 商家转账: the receiver's real name is required from ¥2,000 and refused below ¥0.30.
TRANSFER_NAME_REQUIRED_FEN = 2_000_00
TRANSFER_NAME_ALLOWED_FEN = 30
TRANSFER_STATES = {
    "ACCEPTED": PayoutStatus.PROCESSING, "PROCESSING": PayoutStatus.PROCESSING,
    "WAIT_USER_CONFIRM": PayoutStatus.PROCESSING, "TRANSFERING": PayoutStatus.PROCESSING,
    "CANCELING": PayoutStatus.PROCESSING, "SUCCESS": PayoutStatus.SUCCEEDED,
    "FAIL": PayoutStatus.FAILED, "CANCELLED": PayoutStatus.FAILED,
}
DEFAULT_TRANSFER_REPORT = ({"info_type": "岗位类型", "info_content": "店主"},
                           {"info_type": "报酬说明", "info_content": "佣金提现"})
REFUND_PATH = "/v3/refund/domestic/refunds"
CERTIFICATES_PATH = "/v3/certificates"
AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048"
TIMESTAMP_HEADER = "wechatpay-timestamp"
NONCE_HEADER = "wechatpay-nonce"
SIGNATURE_HEADER = "wechatpay-signature"
SERIAL_HEADER = "wechatpay-serial"
SUCCESS_EVENT = "TRANSACTION.SUCCESS"
FAILED_STATES = frozenset({"CLOSED", "PAYERROR", "REVOKED"})
# A refund's status in an answer or a query → ours. CLOSED and ABNORMAL are final failures
# (ABNORMAL: e.g. the payer's card was closed; the money must be paid back by hand).
REFUND_STATES = {"SUCCESS": RefundStatus.SUCCEEDED, "PROCESSING": RefundStatus.PROCESSING,
                 "CLOSED": RefundStatus.FAILED, "ABNORMAL": RefundStatus.FAILED}
# A refund notification's event type → the refund status it must carry.
REFUND_EVENTS = {"REFUND.SUCCESS": "SUCCESS", "REFUND.ABNORMAL": "ABNORMAL",
                 "REFUND.CLOSED": "CLOSED"}
# Only when the caller does not know the payer's address (a script, a test).
FALLBACK_CLIENT_IP = "127.0.0.1"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SERIAL_ENTRY = re.compile(r"([A-Za-z0-9_]+):(.+)", re.DOTALL)
_HEX = re.compile(r"[0-9A-Fa-f]+")

__all__ = ["HTTP_TIMEOUT_SECONDS", "NotFinal", "ProviderError", "Transport",
           "WechatPayProvider", "urllib_transport"]


def serial_key(serial: str) -> str:
    """A platform key's serial, normalised for comparison. Certificate serials are hex
    numbers, and WeChat writes them with a leading zero where a certificate's own serial
    (an integer) has none, so they are compared as numbers; a public key id
    (``PUB_KEY_ID_…``) is compared as text."""
    serial = serial.strip()
    if _HEX.fullmatch(serial):
        return format(int(serial, 16), "X")
    return serial.upper()


def time_expire(moment: datetime) -> str:
    """RFC 3339 in China time, as WeChat wants it: ``2026-12-03T21:30:00+08:00``."""
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def pay_sign_message(*, appid: str, timestamp: str, nonce: str, package: str) -> bytes:
    """What the merchant signs for WeixinJSBridge / wx.requestPayment."""
    return f"{appid}\n{timestamp}\n{nonce}\n{package}\n".encode()


@dataclass(frozen=True)
class PlatformCertificateData:
    """One platform certificate from ``GET /v3/certificates``, verified and decrypted."""

    serial: str
    pem: str
    effective_at: datetime
    expires_at: datetime


def request_message(*, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What the merchant signs for a request (``path`` includes any query string)."""
    return f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def response_message(*, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What WeChat signs for an answer or a notification."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def parse_platform_keys(value: str) -> dict[str, rsa.RSAPublicKey]:
    """``WECHATPAY_PLATFORM_CERTS`` → {serial: key}. Accepted forms: a JSON object
    ``{"SERIAL": "PEM or path"}``; or comma-separated entries, each ``SERIAL:PEM-or-path`` (a
    platform public key) or a certificate (PEM text or path; its serial is read from it)."""
    value = value.strip()
    if not value:
        return {}
    if value.startswith("{"):
        try:
            mapping = json.loads(value)
        except ValueError as exc:
            raise ImproperlyConfigured("WECHATPAY_PLATFORM_CERTS is not valid JSON") from exc
        return {serial_key(str(serial)): rsa_keys.load_public_key(str(key))
                for serial, key in mapping.items()}
    keys: dict[str, rsa.RSAPublicKey] = {}
    for entry in (part.strip() for part in value.split(",")):
        match = _SERIAL_ENTRY.fullmatch(entry)
        if match and not entry.startswith("-----"):
            keys[serial_key(match.group(1))] = rsa_keys.load_public_key(match.group(2))
        elif entry:
            text = rsa_keys.read_text(entry)
            try:
                certificates = x509.load_pem_x509_certificates(text.encode())
            except ValueError as exc:
                raise ImproperlyConfigured("a WeChat Pay platform certificate is not valid") \
                    from exc
            for certificate in certificates:
                public_key = certificate.public_key()
                if not isinstance(public_key, rsa.RSAPublicKey):
                    raise ImproperlyConfigured("a WeChat Pay platform key must be RSA")
                keys[format(certificate.serial_number, "X")] = public_key
    return keys


class WechatPayProvider(PaymentProvider):
    name = "wechatpay"
    label = _("WeChat Pay")
    logged_headers = ("content-type", TIMESTAMP_HEADER, NONCE_HEADER, SERIAL_HEADER,
                      SIGNATURE_HEADER, "request-id")
    channels = {ClientKind.WECHAT: Channel.JSAPI, ClientKind.MOBILE: Channel.H5,
                ClientKind.DESKTOP: Channel.NATIVE, ClientKind.MINIPROGRAM: Channel.MINIPROGRAM}

    def __init__(self, *, mchid: str, appid: str, merchant_serial: str,
                 private_key: rsa.RSAPrivateKey, apiv3_key: bytes,
                 platform_keys: Mapping[str, rsa.RSAPublicKey], notify_url: str,
                 api_base: str, transport: Transport | None = None,
                 refund_notify_url: str = "", use_stored_certificates: bool = False,
                 jsapi_appid: str = "", miniprogram_appid: str = "",
                 public_key_id: str = "", transfer_scene_id: str = "1005",
                 transfer_report: tuple[dict[str, str], ...] = DEFAULT_TRANSFER_REPORT,
                 transfer_notify_url: str = "") -> None:
        if len(apiv3_key) != 32:
            raise ImproperlyConfigured("WECHATPAY_APIV3_KEY must be 32 bytes")
        self.mchid = mchid
        self.appid = appid
        # JSAPI orders are paid under the official account's app id (its openids), mini-program
        # orders under the mini-program's; both default to the H5 app id.
        self.jsapi_appid = jsapi_appid or appid
        self.miniprogram_appid = miniprogram_appid
        self.merchant_serial = merchant_serial
        self.private_key = private_key
        self.apiv3_key = apiv3_key
        self.platform_keys = {serial_key(serial): key for serial, key in platform_keys.items()}
        # Public-key mode: WeChat Pay's public key (id PUB_KEY_ID_…) replaces the platform
        # certificates; nothing is downloaded and only that key is trusted.
        self.public_key_id = public_key_id
        self.notify_url = notify_url
        self.refund_notify_url = refund_notify_url
        self.transfer_notify_url = transfer_notify_url
        self.transfer_scene_id = transfer_scene_id
        self.transfer_report = transfer_report
        self.api_base = api_base.rstrip("/")
        self.transport: Transport = transport or urllib_transport
        # Keys downloaded by wechatpay_certificates_refresh live in the database; they are
        # looked up only for a serial the configuration does not know (from_settings: on).
        self.use_stored_certificates = use_stored_certificates and not public_key_id

    @classmethod
    def from_settings(cls) -> WechatPayProvider | None:
        """Off unless every credential is set; a set but unreadable key is a configuration
        error (ImproperlyConfigured), not a silently missing payment method. WeChat's keys:
        ``WECHATPAY_PUBLIC_KEY_ID`` + ``WECHATPAY_PUBLIC_KEY`` (public-key mode) or
        ``WECHATPAY_PLATFORM_CERTS``."""
        def get(name: str) -> str:
            return str(getattr(settings, name, "") or "")

        required = ("WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_MERCHANT_SERIAL",
                    "WECHATPAY_PRIVATE_KEY", "WECHATPAY_APIV3_KEY", "WECHATPAY_NOTIFY_URL",
                    "WECHATPAY_API_BASE")
        public_key_id, public_key = get("WECHATPAY_PUBLIC_KEY_ID"), get("WECHATPAY_PUBLIC_KEY")
        if not all(get(name) for name in required) or not (
                (public_key_id and public_key) or get("WECHATPAY_PLATFORM_CERTS")):
            return None
        keys = ({public_key_id: rsa_keys.load_public_key(public_key)}
                if public_key_id and public_key
                else parse_platform_keys(get("WECHATPAY_PLATFORM_CERTS")))
        report = getattr(settings, "WECHATPAY_TRANSFER_REPORT_INFOS", None) \
            or DEFAULT_TRANSFER_REPORT
        return cls(mchid=get("WECHATPAY_MCHID"), appid=get("WECHATPAY_APPID"),
                   merchant_serial=get("WECHATPAY_MERCHANT_SERIAL"),
                   private_key=rsa_keys.load_private_key(get("WECHATPAY_PRIVATE_KEY")),
                   apiv3_key=get("WECHATPAY_APIV3_KEY").encode(),
                   platform_keys=keys, notify_url=get("WECHATPAY_NOTIFY_URL"),
                   refund_notify_url=get("WECHATPAY_REFUND_NOTIFY_URL"),
                   api_base=get("WECHATPAY_API_BASE"), use_stored_certificates=True,
                   jsapi_appid=get("WECHAT_OA_APPID"),
                   miniprogram_appid=get("WECHAT_MINIPROGRAM_APPID"),
                   public_key_id=public_key_id if public_key else "",
                   transfer_scene_id=get("WECHATPAY_TRANSFER_SCENE_ID") or "1005",
                   transfer_report=tuple(report),
                   transfer_notify_url=get("WECHATPAY_TRANSFER_NOTIFY_URL"))

    @property
    def app_ids(self) -> frozenset[str]:
        """Every app id an order of ours may be paid under (H5, official account, mini)."""
        return frozenset(filter(None, (self.appid, self.jsapi_appid, self.miniprogram_appid)))

    def platform_key(self, serial: str, *, now: datetime | None = None
                     ) -> rsa.RSAPublicKey | None:
        """The platform key called ``serial``: a configured one, or a downloaded certificate
        that is in force (effective and not expired). Serials compare as numbers."""
        wanted = serial_key(serial)
        key = self.platform_keys.get(wanted)
        if key is not None or not self.use_stored_certificates:
            return key
        for stored_serial, pem in self._stored_certificates(now=now):
            if serial_key(stored_serial) == wanted:
                key = rsa_keys.load_public_key(pem)
                self.platform_keys[wanted] = key
                return key
        return None

    def _stored_certificates(self, *, now: datetime | None = None) -> list[tuple[str, str]]:
        from trustmart.payments.models import PlatformCertificate

        moment = now or timezone.now()
        return list(PlatformCertificate.objects
                    .filter(effective_at__lte=moment, expires_at__gt=moment)
                    .order_by("-expires_at").values_list("serial", "pem"))

    def request_key(self) -> tuple[str, rsa.RSAPublicKey]:
        """The platform key our requests name in ``Wechatpay-Serial`` (and encrypt sensitive
        fields with): the public key in public-key mode, else the newest certificate in force
        or the first configured key."""
        if self.public_key_id:
            return self.public_key_id, self.platform_keys[serial_key(self.public_key_id)]
        if self.use_stored_certificates:
            stored = self._stored_certificates()
            if stored:
                return stored[0][0], rsa_keys.load_public_key(stored[0][1])
        if not self.platform_keys:
            raise ProviderError(detail="no WeChat Pay platform key is configured")
        serial, key = next(iter(self.platform_keys.items()))
        return serial, key

    def encrypt(self, text: str) -> tuple[str, str]:
        """(serial, base64 ciphertext): ``text`` encrypted with the platform key for WeChat
        (RSA-OAEP with SHA-1, as WeChat Pay requires for sensitive fields)."""
        serial, key = self.request_key()
        cipher = key.encrypt(text.encode(), padding.OAEP(mgf=padding.MGF1(hashes.SHA1()),  # noqa: S303
                                                        algorithm=hashes.SHA1(), label=None))  # noqa: S303
        return serial, base64.b64encode(cipher).decode()

    # --- calling the API -----------------------------------------------------------------------
    def call(self, method: str, path: str, payload: dict[str, Any] | None = None, *,
             serial: str | None = None) -> Any:
        """One signed request; the answer's signature checked and its JSON returned (None for
        204 No Content). Anything but a verified 200/204 answer (an error status, a network
        failure, a bad signature) is a ``ProviderError`` carrying WeChat's status and code."""
        body = (json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
                if payload is not None else b"")
        headers = {
            "Authorization": self.authorization(method=method, path=path, body=body),
            "Accept": "application/json",
            "User-Agent": "trustmart",
            "Wechatpay-Serial": serial or self.request_serial(),
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            status, answer_headers, answer = self.transport(method, self.api_base + path,
                                                            headers, body)
        except OSError as exc:
            raise ProviderError(detail=f"network: {exc}"[:120]) from exc
        if status not in (200, 204):
            raise ProviderError(detail=f"HTTP {status}: {answer[:80].decode('utf-8', 'replace')}",
                                http_status=status, provider_code=_error_code(answer))
        try:
            self.verify({str(k).lower(): str(v) for k, v in answer_headers.items()}, answer)
            return json.loads(answer) if status == 200 else None
        except (DomainError, ValueError) as exc:
            raise ProviderError(detail=f"untrusted answer: {exc}"[:120]) from exc

    def request_serial(self) -> str:
        try:
            return self.request_key()[0]
        except ProviderError:
            return ""

    # --- starting a payment ------------------------------------------------------------------
    def authorization(self, *, method: str, path: str, body: bytes,
                      timestamp: str | None = None, nonce: str | None = None) -> str:
        """The ``Authorization`` header value for one request."""
        timestamp = timestamp or str(int(timezone.now().timestamp()))
        nonce = nonce or secrets.token_hex(16)
        signature = rsa_keys.sign(self.private_key, request_message(
            method=method, path=path, timestamp=timestamp, nonce=nonce, body=body))
        return (f'{AUTH_SCHEME} mchid="{self.mchid}",nonce_str="{nonce}",'
                f'signature="{signature}",timestamp="{timestamp}",'
                f'serial_no="{self.merchant_serial}"')

    def order(self, payment: Payment, *, appid: str | None = None) -> dict[str, Any]:
        """What every order carries: the goods' description (within WeChat's 127 bytes), our
        number, the amount, and ``time_expire`` so a closed checkout cannot be paid."""
        description = _fit_bytes(payment.description or str(payment.get_purpose_display()),
                                 DESCRIPTION_MAX_BYTES)
        body: dict[str, Any] = {
            "appid": appid or self.appid,
            "mchid": self.mchid,
            "description": description,
            "out_trade_no": payment.payment_no,
        }
        if payment.expires_at is not None:
            body["time_expire"] = time_expire(payment.expires_at)
        body["notify_url"] = self.notify_url
        body["amount"] = {"total": payment.amount_fen, "currency": "CNY"}
        return body

    def h5_order(self, payment: Payment, *, client_ip: str = "") -> dict[str, Any]:
        """The body of ``POST /v3/pay/transactions/h5`` for ``payment``, paid from
        ``client_ip`` (WeChat's risk checks compare it with where the payer opens h5_url)."""
        body = self.order(payment)
        body["scene_info"] = {"payer_client_ip": client_ip or FALLBACK_CLIENT_IP,
                              "h5_info": {"type": "Wap"}}
        return body

    def jsapi_order(self, payment: Payment, *, appid: str, openid: str) -> dict[str, Any]:
        """The body of ``POST /v3/pay/transactions/jsapi``: the payer is named by the openid
        it has under ``appid`` (the official account's, or the mini-program's)."""
        body = self.order(payment, appid=appid)
        body["payer"] = {"openid": openid}
        return body

    def bridge_params(self, *, appid: str, prepay_id: str, timestamp: str | None = None,
                      nonce: str | None = None) -> dict[str, str]:
        """The parameters of WeixinJSBridge getBrandWCPayRequest / wx.requestPayment, signed
        with the merchant key over ``appId\ntimeStamp\nnonceStr\npackage\n``."""
        timestamp = timestamp or str(int(timezone.now().timestamp()))
        nonce = nonce or secrets.token_hex(16)
        package = f"prepay_id={prepay_id}"
        return {"appId": appid, "timeStamp": timestamp, "nonceStr": nonce, "package": package,
                "signType": "RSA",
                "paySign": rsa_keys.sign(self.private_key, pay_sign_message(
                    appid=appid, timestamp=timestamp, nonce=nonce, package=package))}

    def create(self, payment: Payment, *, client_ip: str = "",
               payer: PayerContext | None = None) -> ProviderStart:
        """Place the order for the payment's channel: H5 (continue at ``h5_url``), JSAPI or
        mini-program (the signed bridge parameters), Native (``code_url`` as a QR code)."""
        channel = payment.channel or Channel.H5
        if channel in (Channel.JSAPI, Channel.MINIPROGRAM):
            appid = self.jsapi_appid if channel == Channel.JSAPI else self.miniprogram_appid
            if not appid or payer is None or not payer.openid:
                raise ChannelNotSupported()
            data = self.call("POST", JSAPI_PATH,
                             self.jsapi_order(payment, appid=appid, openid=payer.openid))
            prepay_id = data.get("prepay_id") if isinstance(data, dict) else None
            if not isinstance(prepay_id, str) or not prepay_id:
                raise ProviderError(detail="no prepay_id")
            return ProviderStart(
                provider=self.name, payment_no=payment.payment_no,
                action=StartAction.JSAPI if channel == Channel.JSAPI else StartAction.MINIPROGRAM,
                app_params=self.bridge_params(appid=appid, prepay_id=prepay_id))
        if channel == Channel.NATIVE:
            data = self.call("POST", NATIVE_PATH, self.order(payment))
            code_url = data.get("code_url") if isinstance(data, dict) else None
            if not isinstance(code_url, str) or not code_url.startswith("weixin://"):
                raise ProviderError(detail="no code_url")
            return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                                 action=StartAction.QR, code_url=code_url)
        if channel != Channel.H5:
            raise ChannelNotSupported()
        data = self.call("POST", H5_PATH, self.h5_order(payment, client_ip=client_ip))
        h5_url = data.get("h5_url") if isinstance(data, dict) else None
        if not isinstance(h5_url, str) or not h5_url.startswith("https://"):
            raise ProviderError()
        return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                             redirect_url=h5_url)

    # --- query and close -----------------------------------------------------------------------
    def query(self, payment: Payment) -> TradeQuery:
        """``GET /v3/pay/transactions/out-trade-no/{no}?mchid=``: SUCCESS (or REFUND: it was
        paid) → paid with the transaction; NOTPAY, USERPAYING → open; CLOSED, PAYERROR,
        REVOKED → closed; ORDER_NOT_EXIST → missing."""
        path = ORDER_PATH.format(no=quote(payment.payment_no, safe="")) \
            + f"?mchid={quote(self.mchid, safe='')}"
        try:
            data = self.call("GET", path)
        except ProviderError as exc:
            if exc.http_status == 404 and exc.provider_code == "ORDER_NOT_EXIST":
                return TradeQuery(state=TradeState.MISSING, detail="ORDER_NOT_EXIST")
            raise
        if not isinstance(data, dict) or data.get("out_trade_no") != payment.payment_no \
                or data.get("mchid") != self.mchid:
            raise ProviderError(detail="the answer is about another order")
        state = str(data.get("trade_state") or "")
        if state in ("SUCCESS", "REFUND"):
            try:
                return TradeQuery(state=TradeState.PAID, detail=state,
                                  data=self._transaction_data(data, outcome=Outcome.SUCCEEDED))
            except MalformedCallback as exc:
                raise ProviderError(detail=f"unreadable transaction: {exc.message}") from exc
        if state in FAILED_STATES:
            return TradeQuery(state=TradeState.CLOSED, detail=state)
        if state in ("NOTPAY", "USERPAYING"):
            return TradeQuery(state=TradeState.OPEN, detail=state)
        raise ProviderError(detail=f"unknown trade state {state!r}"[:80])

    def close(self, payment: Payment) -> None:
        """``POST .../out-trade-no/{no}/close {mchid}`` (204). An order that is already
        closed, never existed or was paid meanwhile is refused by WeChat, and that is fine:
        the query that follows says how it ended."""
        path = ORDER_PATH.format(no=quote(payment.payment_no, safe="")) + "/close"
        try:
            self.call("POST", path, {"mchid": self.mchid})
        except ProviderError as exc:
            # A business refusal (already closed, never existed, already paid) is an answer:
            # the query tells which. No answer (network, 5xx, bad signature) is not.
            if not 400 <= exc.http_status < 500:
                raise

    # --- the trade bill (对账单) -------------------------------------------------------------
    def bill(self, bill_date: date) -> list[BillLine]:
        """``GET /v3/bill/tradebill?bill_date=&bill_type=ALL&tar_type=GZIP`` gives a download
        URL (valid 30 s) and the SHA1 of the unzipped file; the file is fetched with a signed
        request (WeChat does not sign it: its hash is the check) and read line by line."""
        data = self.call("GET", f"{TRADE_BILL_PATH}?bill_date={bill_date.isoformat()}"
                                "&bill_type=ALL&tar_type=GZIP")
        if not isinstance(data, dict):
            raise ProviderError(detail="no bill answer")
        url, hash_type = str(data.get("download_url") or ""), str(data.get("hash_type") or "")
        expected = str(data.get("hash_value") or "").lower()
        if not url.startswith(self.api_base + "/") or hash_type.upper() != "SHA1" \
                or not expected:
            raise ProviderError(detail="the bill answer has no usable download_url or hash")
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Authorization": self.authorization(method="GET", path=path, body=b""),
                   "Accept": "*/*", "User-Agent": "trustmart"}
        try:
            status, _headers, raw = self.transport("GET", url, headers, b"")
        except OSError as exc:
            raise ProviderError(detail=f"network: {exc}"[:120]) from exc
        if status != 200:
            raise ProviderError(detail=f"bill download: HTTP {status}", http_status=status)
        try:
            content = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        except (OSError, EOFError) as exc:
            raise ProviderError(detail="the bill is not a gzip file") from exc
        if hashlib.sha1(content).hexdigest() != expected:  # noqa: S324 (WeChat's own check)
            raise ProviderError(detail="the bill's SHA1 does not match hash_value")
        try:
            return parse_trade_bill(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProviderError(detail=f"unreadable bill: {exc}"[:120]) from exc

    # --- transfers (商家转账到零钱) -----------------------------------------------------------
    def transfer_order(self, payout: Payout) -> tuple[dict[str, Any], str | None]:
        """The body of ``POST /v3/fund-app/mch-transfer/transfer-bills`` and the serial of the
        key the receiver's name is encrypted with (None when no name is sent). The name is
        required from ¥2,000 and not allowed under ¥0.30."""
        account = payout.account
        if account is None or not account.openid:
            raise ProviderError(detail="the payout account has no openid")
        body: dict[str, Any] = {
            "appid": account.appid or self.jsapi_appid,
            "out_bill_no": payout.payout_no,
            "transfer_scene_id": self.transfer_scene_id,
            "openid": account.openid,
            "transfer_amount": payout.amount_fen,
            "transfer_remark": _fit_bytes(payout.remark or "TrustMart", 96),
        }
        serial = None
        if payout.amount_fen >= TRANSFER_NAME_REQUIRED_FEN or (
                account.real_name and payout.amount_fen >= TRANSFER_NAME_ALLOWED_FEN):
            if not account.real_name:
                raise ProviderError(detail="the receiver's real name is required from ¥2000")
            serial, body["user_name"] = self.encrypt(account.real_name)
        if self.transfer_notify_url:
            body["notify_url"] = self.transfer_notify_url
        body["transfer_scene_report_infos"] = [dict(info) for info in self.transfer_report]
        return body, serial

    def transfer(self, payout: Payout) -> TransferResult:
        """Place the transfer; WeChat deduplicates by ``out_bill_no`` (our payout number), so
        a retry after a lost answer transfers once and answers with the same bill."""
        body, serial = self.transfer_order(payout)
        try:
            data = self.call("POST", TRANSFER_PATH, body, serial=serial)
        except ProviderError as exc:
            if 400 <= exc.http_status < 500 and exc.provider_code not in (
                    "SYSTEM_ERROR", "FREQUENCY_LIMITED", "NOT_ENOUGH", ""):
                return TransferResult(status=PayoutStatus.FAILED,
                                      detail=f"{exc.provider_code}: {exc.detail}"[:200])
            raise
        return self._transfer_result(data, payout_no=payout.payout_no)

    def transfer_query(self, payout: Payout) -> TransferResult:
        path = TRANSFER_QUERY_PATH.format(no=quote(payout.payout_no, safe=""))
        try:
            data = self.call("GET", path)
        except ProviderError as exc:
            if exc.http_status == 404:
                return TransferResult(status=None, missing=True, detail=exc.provider_code)
            raise
        return self._transfer_result(data, payout_no=payout.payout_no)

    def _transfer_result(self, data: Any, *, payout_no: str) -> TransferResult:
        if not isinstance(data, dict) or data.get("out_bill_no") != payout_no:
            raise ProviderError(detail="the answer is about another transfer")
        state = str(data.get("state") or "")
        status = TRANSFER_STATES.get(state)
        if status is None:
            raise ProviderError(detail=f"unknown transfer state {state!r}"[:80])
        detail = str(data.get("fail_reason") or "") if status == PayoutStatus.FAILED else state
        return TransferResult(status=status, provider_bill_id=str(
            data.get("transfer_bill_no") or "")[:64], detail=detail[:200],
            package_info=str(data.get("package_info") or "")[:1000])

    # --- refunds -------------------------------------------------------------------------------
    def refund_order(self, payment: Payment, amount_fen: int, refund_no: str, *,
                     reason: str = "") -> dict[str, Any]:
        """The body of ``POST /v3/refund/domestic/refunds``: WeChat's transaction id when we
        have it, else our payment number."""
        order: dict[str, Any] = (
            {"transaction_id": payment.provider_txn_id} if payment.provider_txn_id
            else {"out_trade_no": payment.payment_no})
        order["out_refund_no"] = refund_no
        if reason:
            order["reason"] = reason[:80]
        if self.refund_notify_url:
            order["notify_url"] = self.refund_notify_url
        order["amount"] = {"refund": amount_fen, "total": payment.amount_fen, "currency": "CNY"}
        return order

    def refund(self, payment: Payment, amount_fen: int, refund_no: str, *,
               reason: str = "") -> RefundResult:
        """Apply for the refund. WeChat deduplicates by ``out_refund_no``, so a retry after a
        lost answer refunds once and answers with the same refund."""
        data = self.call("POST", REFUND_PATH,
                         self.refund_order(payment, amount_fen, refund_no, reason=reason))
        return self._refund_result(data, refund_no=refund_no)

    def refund_query(self, refund: Refund) -> RefundResult:
        data = self.call("GET", f"{REFUND_PATH}/{quote(refund.refund_no, safe='')}")
        return self._refund_result(data, refund_no=refund.refund_no)

    def _refund_result(self, data: Any, *, refund_no: str) -> RefundResult:
        """A verified answer about refund ``refund_no`` → RefundResult."""
        if not isinstance(data, dict) or data.get("out_refund_no") != refund_no:
            raise ProviderError(detail="the answer is about another refund")
        state = data.get("status")
        status = REFUND_STATES.get(state) if isinstance(state, str) else None
        if status is None:
            raise ProviderError(detail=f"unknown refund status {state!r}"[:80])
        refund_id = str(data.get("refund_id") or "")[:64]
        detail = f"refund_{str(state).lower()}" if status == RefundStatus.FAILED else ""
        return RefundResult(provider_refund_id=refund_id, status=status, detail=detail)

    # --- platform certificates -----------------------------------------------------------------
    def fetch_certificates(self) -> list[PlatformCertificateData]:
        """``GET /v3/certificates``: the answer verified with a platform key we already trust,
        each certificate decrypted with the APIv3 key (so only WeChat could have made it) and
        its serial checked against ``serial_no``."""
        data = self.call("GET", CERTIFICATES_PATH)
        try:
            entries = data["data"]
            if not isinstance(entries, list):
                raise TypeError("data is not a list")
            return [self._certificate(entry) for entry in entries]
        except (KeyError, TypeError, AttributeError, ValueError, binascii.Error,
                InvalidTag) as exc:
            raise ProviderError(detail=f"certificate list: {exc}"[:120]) from exc

    def _certificate(self, entry: dict[str, Any]) -> PlatformCertificateData:
        encrypted = entry["encrypt_certificate"]
        if encrypted.get("algorithm") != "AEAD_AES_256_GCM":
            raise ValueError("unknown algorithm")
        associated = str(encrypted.get("associated_data") or "").encode()
        pem = AESGCM(self.apiv3_key).decrypt(
            str(encrypted["nonce"]).encode(),
            base64.b64decode(encrypted["ciphertext"], validate=True), associated or None)
        certificate = x509.load_pem_x509_certificate(pem)
        serial = format(certificate.serial_number, "X")
        if serial != serial_key(str(entry["serial_no"])):
            raise ValueError("the certificate's serial differs from serial_no")
        if not isinstance(certificate.public_key(), rsa.RSAPublicKey):
            raise ValueError("a platform key must be RSA")
        effective = parse_datetime(str(entry["effective_time"]))
        expires = parse_datetime(str(entry["expire_time"]))
        if effective is None or expires is None or effective.tzinfo is None \
                or expires.tzinfo is None:
            raise ValueError("effective_time and expire_time must be ISO 8601 with an offset")
        return PlatformCertificateData(
            serial=serial, effective_at=effective, expires_at=expires,
            pem=certificate.public_bytes(serialization.Encoding.PEM).decode())

    # --- notifications (and answers): verify, then decrypt ------------------------------------
    def verify(self, headers: Mapping[str, str], body: bytes, *,
               now: datetime | None = None) -> None:
        """Check WeChat's signature and freshness of an answer or a notification."""
        timestamp = headers.get(TIMESTAMP_HEADER, "").strip()
        nonce = headers.get(NONCE_HEADER, "").strip()
        signature = headers.get(SIGNATURE_HEADER, "").strip()
        serial = headers.get(SERIAL_HEADER, "").strip()
        if not (_TIMESTAMP.fullmatch(timestamp) and nonce and signature and serial):
            raise MalformedCallback(_("The signature headers are missing or malformed."))
        key = self.platform_key(serial)
        if key is None:
            raise BadSignature(_("The notification is signed with an unknown certificate."))
        if not rsa_keys.verify(key, response_message(timestamp=timestamp, nonce=nonce,
                                                     body=body), signature):
            raise BadSignature()
        skew = abs((now or timezone.now()).timestamp() - int(timestamp))
        if skew > MAX_CLOCK_SKEW.total_seconds():
            raise StaleTimestamp()

    def parse_callback(self, headers: Mapping[str, str], body: bytes, *,
                       now: datetime | None = None) -> CallbackData:
        event_type, plain = self._open(headers, body, now=now)
        return self._transaction(plain, event_type=event_type)

    def parse_refund_callback(self, headers: Mapping[str, str], body: bytes, *,
                              now: datetime | None = None) -> RefundNotice:
        """A refund notification: verified and decrypted exactly like a payment's."""
        event_type, plain = self._open(headers, body, now=now)
        try:
            data: Any = json.loads(plain)
            refund_no, payment_no = data["out_refund_no"], data["out_trade_no"]
            refund_id, state = data["refund_id"], data["refund_status"]
            amount = data["amount"]["refund"]
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedCallback(_("The refund could not be read.")) from exc
        if data.get("mchid") != self.mchid:
            raise BadSignature(_("The notification is for another merchant or app."))
        if not all(isinstance(value, str) and 0 < len(value) <= 64
                   for value in (refund_no, payment_no, refund_id)):
            raise MalformedCallback(_("The refund numbers are not valid."))
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise MalformedCallback(_("The amount must be a positive integer."))
        expected = REFUND_EVENTS.get(event_type)
        if expected is None:
            raise NotFinal()
        if expected != state:
            raise MalformedCallback(_("The event and the refund's status disagree."))
        status = REFUND_STATES[state]
        return RefundNotice(refund_no=refund_no, payment_no=payment_no,
                            provider_refund_id=refund_id, amount_fen=amount, status=status,
                            detail="" if status == RefundStatus.SUCCEEDED
                            else f"refund_{state.lower()}")

    def _open(self, headers: Mapping[str, str], body: bytes, *,
              now: datetime | None) -> tuple[str, bytes]:
        """Verify a notification's envelope and decrypt its resource: (event_type, plaintext)."""
        self.verify(headers, body, now=now)
        try:
            envelope: Any = json.loads(body)
            resource = envelope["resource"]
            event_type = envelope["event_type"]
            ciphertext = base64.b64decode(resource["ciphertext"], validate=True)
            nonce = str(resource["nonce"]).encode()
            associated = str(resource.get("associated_data") or "").encode()
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise MalformedCallback(_("The notification is not a WeChat Pay event.")) from exc
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise MalformedCallback(_("The notification is not a WeChat Pay event."))
        try:
            plain = AESGCM(self.apiv3_key).decrypt(nonce, ciphertext, associated or None)
        except (InvalidTag, ValueError) as exc:
            raise BadSignature(_("The notification could not be decrypted.")) from exc
        return str(event_type), plain

    def _transaction(self, plain: bytes, *, event_type: str) -> CallbackData:
        """The decrypted transaction, field by field, for this merchant and our apps only."""
        try:
            data: Any = json.loads(plain)
            state = data["trade_state"]
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedCallback(_("The transaction could not be read.")) from exc
        if state == "SUCCESS" and event_type == SUCCESS_EVENT:
            outcome = Outcome.SUCCEEDED
        elif state in FAILED_STATES:
            outcome = Outcome.FAILED
        else:
            self._transaction_data(data, outcome=Outcome.FAILED)  # still ours and well-formed
            raise NotFinal()
        return self._transaction_data(data, outcome=outcome)

    def _transaction_data(self, data: Any, *, outcome: Outcome) -> CallbackData:
        """A transaction (notified or queried) read into CallbackData."""
        try:
            payment_no, txn_id = data["out_trade_no"], data.get("transaction_id", "")
            amount = data["amount"]["total"]
        except (KeyError, TypeError) as exc:
            raise MalformedCallback(_("The transaction could not be read.")) from exc
        if data.get("mchid") != self.mchid or data.get("appid") not in self.app_ids:
            raise BadSignature(_("The notification is for another merchant or app."))
        if outcome == Outcome.FAILED and not txn_id:
            txn_id = f"CLOSED{payment_no}"[:64]
        if not (isinstance(payment_no, str) and 0 < len(payment_no) <= 32
                and isinstance(txn_id, str) and 0 < len(txn_id) <= 64):
            raise MalformedCallback(_("payment_no or txn_id is not valid."))
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise MalformedCallback(_("The amount must be a positive integer."))
        return CallbackData(provider_txn_id=txn_id, payment_no=payment_no, amount_fen=amount,
                            outcome=outcome)


def _fit_bytes(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` UTF-8 bytes, never inside a character."""
    return text.encode()[:limit].decode("utf-8", errors="ignore")


def _error_code(answer: bytes) -> str:
    """WeChat's error ``code`` from an error answer's JSON (empty when there is none)."""
    try:
        data = json.loads(answer)
    except (ValueError, UnicodeDecodeError):
        return ""
    return str(data.get("code") or "")[:64] if isinstance(data, dict) else ""


# The trade bill's columns (bill_type=ALL), by the names in its header line.
_BILL_COLUMNS = {"transaction_id": "微信订单号", "out_trade_no": "商户订单号",
                 "state": "交易状态", "total": "应结订单金额", "refund_id": "微信退款单号",
                 "out_refund_no": "商户退款单号", "refund": "退款金额", "refund_state": "退款状态"}


def parse_trade_bill(text: str) -> list[BillLine]:
    """WeChat's trade bill (CSV): a header line, one line per transaction with every field
    prefixed by a backtick, then the summary header (总交易单数,…) and its line. Amounts are
    yuan. A refund is its own line (交易状态 REFUND with the refund's numbers)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError("the bill is empty")
    header = [name.strip().lstrip("\ufeff") for name in rows[0]]
    try:
        index = {key: header.index(name) for key, name in _BILL_COLUMNS.items()}
    except ValueError as exc:
        raise ValueError("the bill's header lacks a column") from exc
    lines: list[BillLine] = []
    for row in rows[1:]:
        if not row or not row[0].startswith("`"):
            break  # the summary starts (总交易单数,…): its header has no backticks
        fields = [value.strip().removeprefix("`") for value in row]
        refund = fields[index["state"]] == "REFUND"
        # A refund line names the refund (its numbers, amount and state), a payment line itself.
        number, provider_id, amount, state = (
            ("out_refund_no", "refund_id", "refund", "refund_state") if refund
            else ("out_trade_no", "transaction_id", "total", "state"))
        lines.append(BillLine(
            kind=BillKind.REFUND if refund else BillKind.PAYMENT,
            number=fields[index[number]], provider_id=fields[index[provider_id]],
            amount_fen=parse_yuan(fields[index[amount]]), status=fields[index[state]],
            succeeded=fields[index[state]] == "SUCCESS"))
    return lines
