"""The sandbox: a pretend provider that behaves like a real one, for development and app testing.

The payer "pays" on our own cashier page (/pay/sandbox/<payment_no>/) by choosing success,
failure or cancel. The sandbox then notifies us exactly as a real provider would: a JSON body
signed with HMAC-SHA256 under ``SANDBOX_PAYMENT_SECRET``, carried in three headers. The site
delivers that notification in-process to the same handler the public callback endpoint uses (a
real provider posts it over the network); anyone holding the secret may also post signed
notifications to ``POST /pay/callback/sandbox/``. The protocol is written up in docs/payments.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import (
    MAX_CLOCK_SKEW,
    BadSignature,
    CallbackData,
    MalformedCallback,
    Outcome,
    PaymentProvider,
    ProviderStart,
    RefundResult,
    StaleTimestamp,
)

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Refund

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


class SandboxProvider(PaymentProvider):
    name = "sandbox"
    label = _("Sandbox (test payment)")
    logged_headers = ("content-type", TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)

    def __init__(self, *, secret: str) -> None:
        self.secret = secret

    @classmethod
    def from_settings(cls) -> SandboxProvider | None:
        secret = getattr(settings, "SANDBOX_PAYMENT_SECRET", "")
        enabled = getattr(settings, "PAYMENT_SANDBOX_ENABLED", True)
        return cls(secret=secret) if secret and enabled else None

    def create(self, payment: Payment, *, client_ip: str = "") -> ProviderStart:
        """Nothing to call: the cashier is our own page; apps complete through the API."""
        return ProviderStart(
            provider=self.name,
            payment_no=payment.payment_no,
            redirect_url=reverse("payments:sandbox", args=[payment.payment_no]),
            app_params={
                "payment_no": payment.payment_no,
                "complete_url": reverse("api:payment_sandbox_complete",
                                        args=[payment.payment_no]),
            },
        )

    def refund(self, payment: Payment, amount_fen: int, refund_no: str, *,
               reason: str = "") -> RefundResult:
        """Refunds at once; the id depends only on our refund number, like a real provider
        that deduplicates by it."""
        return RefundResult(provider_refund_id=f"SBXR{refund_no}")

    def refund_query(self, refund: Refund) -> RefundResult:
        """A sandbox refund is never left processing; asked anyway, it has succeeded."""
        return RefundResult(provider_refund_id=f"SBXR{refund.refund_no}")

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
