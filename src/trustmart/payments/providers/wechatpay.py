"""WeChat Pay APIv3: H5 orders and refunds signed with the merchant key, notifications (payment
and refund) verified and decrypted, platform certificates downloaded.

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
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import DomainError

from . import rsa as rsa_keys
from .base import (
    MAX_CLOCK_SKEW,
    BadSignature,
    CallbackData,
    MalformedCallback,
    Outcome,
    PaymentProvider,
    ProviderError,
    ProviderStart,
    RefundNotice,
    RefundResult,
    RefundStatus,
    StaleTimestamp,
)
from .http import HTTP_TIMEOUT_SECONDS, Transport, urllib_transport

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Refund

H5_PATH = "/v3/pay/transactions/h5"
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

__all__ = ["HTTP_TIMEOUT_SECONDS", "ProviderError", "Transport", "WechatPayProvider",
           "urllib_transport"]


class NotFinal(MalformedCallback):
    """A verified notification of a state that does not end the payment (e.g. NOTPAY)."""

    code = "callback_not_final"
    default_message = _("The payment notification does not report a final result.")


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
        return {str(serial).upper(): rsa_keys.load_public_key(str(key))
                for serial, key in mapping.items()}
    keys: dict[str, rsa.RSAPublicKey] = {}
    for entry in (part.strip() for part in value.split(",")):
        match = _SERIAL_ENTRY.fullmatch(entry)
        if match and not entry.startswith("-----"):
            keys[match.group(1).upper()] = rsa_keys.load_public_key(match.group(2))
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

    def __init__(self, *, mchid: str, appid: str, merchant_serial: str,
                 private_key: rsa.RSAPrivateKey, apiv3_key: bytes,
                 platform_keys: Mapping[str, rsa.RSAPublicKey], notify_url: str,
                 api_base: str, transport: Transport | None = None,
                 refund_notify_url: str = "", use_stored_certificates: bool = False) -> None:
        if len(apiv3_key) != 32:
            raise ImproperlyConfigured("WECHATPAY_APIV3_KEY must be 32 bytes")
        self.mchid = mchid
        self.appid = appid
        self.merchant_serial = merchant_serial
        self.private_key = private_key
        self.apiv3_key = apiv3_key
        self.platform_keys = {serial.upper(): key for serial, key in platform_keys.items()}
        self.notify_url = notify_url
        self.refund_notify_url = refund_notify_url
        self.api_base = api_base.rstrip("/")
        self.transport: Transport = transport or urllib_transport
        # Keys downloaded by wechatpay_certificates_refresh live in the database; they are
        # looked up only for a serial the configuration does not know (from_settings: on).
        self.use_stored_certificates = use_stored_certificates

    @classmethod
    def from_settings(cls) -> WechatPayProvider | None:
        """Off unless every credential is set; a set but unreadable key is a configuration
        error (ImproperlyConfigured), not a silently missing payment method."""
        def get(name: str) -> str:
            return str(getattr(settings, name, "") or "")

        required = ("WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_MERCHANT_SERIAL",
                    "WECHATPAY_PRIVATE_KEY", "WECHATPAY_APIV3_KEY", "WECHATPAY_PLATFORM_CERTS",
                    "WECHATPAY_NOTIFY_URL", "WECHATPAY_API_BASE")
        if not all(get(name) for name in required):
            return None
        return cls(mchid=get("WECHATPAY_MCHID"), appid=get("WECHATPAY_APPID"),
                   merchant_serial=get("WECHATPAY_MERCHANT_SERIAL"),
                   private_key=rsa_keys.load_private_key(get("WECHATPAY_PRIVATE_KEY")),
                   apiv3_key=get("WECHATPAY_APIV3_KEY").encode(),
                   platform_keys=parse_platform_keys(get("WECHATPAY_PLATFORM_CERTS")),
                   notify_url=get("WECHATPAY_NOTIFY_URL"),
                   refund_notify_url=get("WECHATPAY_REFUND_NOTIFY_URL"),
                   api_base=get("WECHATPAY_API_BASE"), use_stored_certificates=True)

    def platform_key(self, serial: str, *, now: datetime | None = None
                     ) -> rsa.RSAPublicKey | None:
        """The platform key called ``serial``: a configured one, or a downloaded certificate
        that is in force (effective and not expired)."""
        serial = serial.upper()
        key = self.platform_keys.get(serial)
        if key is not None or not self.use_stored_certificates:
            return key
        from trustmart.payments.models import PlatformCertificate

        moment = now or timezone.now()
        stored = (PlatformCertificate.objects
                  .filter(serial=serial, effective_at__lte=moment, expires_at__gt=moment)
                  .values_list("pem", flat=True).first())
        if stored is None:
            return None
        key = rsa_keys.load_public_key(stored)
        self.platform_keys[serial] = key
        return key

    # --- calling the API -----------------------------------------------------------------------
    def call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """One signed request; the answer's signature checked and its JSON returned. Anything
        but a verified 200 answer (an error status, a network failure, a bad signature) is a
        ``ProviderError``."""
        body = (json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
                if payload is not None else b"")
        headers = {
            "Authorization": self.authorization(method=method, path=path, body=body),
            "Accept": "application/json",
            "User-Agent": "trustmart",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        try:
            status, answer_headers, answer = self.transport(method, self.api_base + path,
                                                            headers, body)
        except OSError as exc:
            raise ProviderError(detail=f"network: {exc}"[:120]) from exc
        if status != 200:
            raise ProviderError(detail=f"HTTP {status}: {answer[:80].decode('utf-8', 'replace')}")
        try:
            self.verify({str(k).lower(): str(v) for k, v in answer_headers.items()}, answer)
            return json.loads(answer)
        except (DomainError, ValueError) as exc:
            raise ProviderError(detail=f"untrusted answer: {exc}"[:120]) from exc

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

    def h5_order(self, payment: Payment, *, client_ip: str = "") -> dict[str, Any]:
        """The body of ``POST /v3/pay/transactions/h5`` for ``payment``, paid from
        ``client_ip`` (WeChat's risk checks compare it with where the payer opens h5_url)."""
        description = payment.description or str(payment.get_purpose_display())
        client_ip = client_ip or FALLBACK_CLIENT_IP
        return {
            "appid": self.appid,
            "mchid": self.mchid,
            "description": description[:127],
            "out_trade_no": payment.payment_no,
            "notify_url": self.notify_url,
            "amount": {"total": payment.amount_fen, "currency": "CNY"},
            "scene_info": {"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}},
        }

    def create(self, payment: Payment, *, client_ip: str = "") -> ProviderStart:
        """Place the H5 order; the payer continues at the ``h5_url`` WeChat answers with."""
        data = self.call("POST", H5_PATH, self.h5_order(payment, client_ip=client_ip))
        h5_url = data.get("h5_url") if isinstance(data, dict) else None
        if not isinstance(h5_url, str) or not h5_url.startswith("https://"):
            raise ProviderError()
        return ProviderStart(provider=self.name, payment_no=payment.payment_no,
                             redirect_url=h5_url)

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
        if serial != str(entry["serial_no"]).upper():
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
        serial = headers.get(SERIAL_HEADER, "").strip().upper()
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
        if REFUND_EVENTS.get(event_type) != state:
            raise NotFinal()
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
        """The decrypted transaction, field by field, for this merchant and app only."""
        try:
            data: Any = json.loads(plain)
            payment_no, txn_id = data["out_trade_no"], data["transaction_id"]
            state, amount = data["trade_state"], data["amount"]["total"]
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedCallback(_("The transaction could not be read.")) from exc
        if data.get("mchid") != self.mchid or data.get("appid") != self.appid:
            raise BadSignature(_("The notification is for another merchant or app."))
        if not (isinstance(payment_no, str) and 0 < len(payment_no) <= 32
                and isinstance(txn_id, str) and 0 < len(txn_id) <= 64):
            raise MalformedCallback(_("payment_no or txn_id is not valid."))
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise MalformedCallback(_("The amount must be a positive integer."))
        if state == "SUCCESS" and event_type == SUCCESS_EVENT:
            outcome = Outcome.SUCCEEDED
        elif state in FAILED_STATES:
            outcome = Outcome.FAILED
        else:
            raise NotFinal()
        return CallbackData(provider_txn_id=txn_id, payment_no=payment_no, amount_fen=amount,
                            outcome=outcome)
