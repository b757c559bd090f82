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
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import DomainError

if TYPE_CHECKING:
    from trustmart.payments.models import Payment, Refund

# A notification older or newer than this (by its signed timestamp) is refused as a replay.
MAX_CLOCK_SKEW = timedelta(minutes=5)


class Outcome(StrEnum):
    """How the payer's attempt ended; the values are the final ``Payment.Status`` values."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class ProviderStart:
    """What a client needs to let the payer pay: open ``redirect_url`` (H5), or hand
    ``app_params`` to the provider's app SDK. Either may be empty for a given provider."""

    provider: str
    payment_no: str
    redirect_url: str = ""
    app_params: dict[str, str] = field(default_factory=dict)


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

    def __init__(self, message: str | Promise | None = None, *, detail: str = "") -> None:
        super().__init__(message)
        # For logs and a refund's last_error only: never shown to a payer.
        self.detail = detail


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

    @abc.abstractmethod
    def create(self, payment: Payment, *, client_ip: str = "") -> ProviderStart:
        """Start ``payment`` at the provider. May call the provider's API over the network,
        so callers run it outside any database transaction. ``client_ip``: the payer's
        address, which some providers require for their risk checks (WeChat Pay H5)."""

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
