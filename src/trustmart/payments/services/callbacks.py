"""Provider notifications: verified, logged, deduplicated and applied exactly once.

Every notification, good or bad, leaves a ``CallbackLog`` row. The order of checks is the order
of trust: the provider's signature and timestamp (no database needed), then the payment it names
(exists, same provider, same amount), then the transaction id (a replay is answered "already
processed" and changes nothing), and only then the guarded ``UPDATE ... WHERE status =
'created'``: of any number of racing deliveries exactly one wins, and the winner books the money
through the purpose's handler in the same transaction. Nothing here calls out over the network.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from trustmart.core import events
from trustmart.core.errors import DomainError

from ..events import PAYMENT_ENDED, PaymentEnded
from ..models import CallbackLog, Payment, Refund
from ..providers import CallbackData, NotFinal, Outcome, PaymentProvider, get_provider
from .purposes import handler_for

logger = logging.getLogger(__name__)

LogOutcome = CallbackLog.Outcome
# The kind of log the payment being applied writes (payment notification, or order query).
_kind: ContextVar[str] = ContextVar("trustmart_callback_kind", default=CallbackLog.Kind.PAYMENT)
BODY_LOG_MAX = 4000
DETAIL_MAX = 200
# Headers that are never worth keeping and may carry credentials.
_NEVER_LOGGED = frozenset({"cookie", "authorization", "proxy-authorization"})


@dataclass(frozen=True)
class CallbackResult:
    """What became of one notification, and how to answer the provider."""

    outcome: str  # CallbackLog.Outcome: applied, duplicate or rejected
    code: str  # "applied", "duplicate" or why it was rejected (bad_signature, amount_mismatch…)
    payment_no: str
    http_status: int
    http_body: Any

    @property
    def accepted(self) -> bool:
        return self.outcome != LogOutcome.REJECTED


class _Refused(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


def callback_handle(*, provider: str, headers: Mapping[str, str], body: bytes
                    ) -> CallbackResult:
    """Handle one notification from ``provider`` (the HTTP endpoint and the sandbox both call
    this). Returns the result; only an unexpected error (a bug, a lost database) raises."""
    return notification_handle(
        provider=provider, headers=headers, body=body, kind=CallbackLog.Kind.PAYMENT,
        parse=lambda impl, lowered: impl.parse_callback(lowered, body), apply=_apply,
        ids=_ids)


Notice = TypeVar("Notice")


def notification_handle(*, provider: str, headers: Mapping[str, str], body: bytes, kind: str,
                        parse: Callable[[PaymentProvider, dict[str, str]], Notice],
                        apply: Callable[..., str],
                        ids: Callable[[Notice | None], dict[str, str]]) -> CallbackResult:
    """The order of trust every provider notification goes through (payments and refunds):
    the provider, then ``parse`` (signature, freshness, fields: no database), then ``apply``
    (``apply(provider_name, notice, headers=, text=)``, which raises ``_Refused`` or a
    ``DomainError`` to refuse). Every notification, good or bad, is logged as ``kind``."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    text = body.decode("utf-8", errors="replace")[:BODY_LOG_MAX]
    try:
        impl = get_provider(provider)
    except DomainError:
        return reject_notification(None, provider=provider, headers=_loggable(lowered, ()),
                                   text=text, kind=kind, code="unknown_provider")
    logged = _loggable(lowered, impl.logged_headers)
    try:
        notice = parse(impl, lowered)
    except NotFinal as exc:
        # Verified, but it ends nothing (NOTPAY, WAIT_BUYER_PAY, a refund still processing):
        # say "received" so the provider does not send it again for a day; change nothing.
        with transaction.atomic():
            log_notification(provider=impl.name, outcome=LogOutcome.IGNORED, headers=logged,
                             text=text, detail=f"{exc.code}: {exc.message}", kind=kind)
        status, http_body = impl.callback_response(accepted=True)
        return CallbackResult(outcome=LogOutcome.IGNORED, code=exc.code, payment_no="",
                              http_status=status, http_body=http_body)
    except DomainError as exc:
        return reject_notification(impl, provider=impl.name, headers=logged, text=text,
                                   kind=kind, code=exc.code, detail=str(exc.message))
    token = _kind.set(kind)
    try:
        outcome = apply(impl.name, notice, headers=logged, text=text)
    except _Refused as refused:
        return reject_notification(impl, provider=impl.name, headers=logged, text=text,
                                   kind=kind, code=refused.code, detail=refused.detail,
                                   **ids(notice))
    except DomainError as exc:  # e.g. a purpose's handler refused (the merchant is gone)
        return reject_notification(impl, provider=impl.name, headers=logged, text=text,
                                   kind=kind, code=exc.code, detail=str(exc.message),
                                   **ids(notice))
    except Exception:
        logger.exception("%s notification from %s failed", kind, impl.name)
        reject_notification(impl, provider=impl.name, headers=logged, text=text, kind=kind,
                            code="internal_error", **ids(notice))
        raise
    finally:
        _kind.reset(token)
    status, http_body = impl.callback_response(accepted=True)
    return CallbackResult(outcome=outcome, code=outcome,
                          payment_no=ids(notice).get("payment_no", ""),
                          http_status=status, http_body=http_body)


def _loggable(headers: dict[str, str], wanted: tuple[str, ...]) -> dict[str, str]:
    if wanted:
        return {k: headers[k] for k in wanted if k in headers}
    return {k: v for k, v in headers.items() if k not in _NEVER_LOGGED}


def log_notification(*, provider: str, outcome: str, headers: dict[str, str], text: str,
                     detail: str = "", kind: str = CallbackLog.Kind.PAYMENT, txn_id: str = "",
                     payment_no: str = "") -> None:
    """One ``CallbackLog`` row: what a provider sent and what became of it."""
    CallbackLog.objects.create(
        provider=provider[:20], kind=kind, outcome=outcome, headers=headers, body=text,
        detail=detail[:DETAIL_MAX], provider_txn_id=txn_id[:64], payment_no=payment_no[:32])


def reject_notification(impl: PaymentProvider | None, *, provider: str, headers: dict[str, str],
                        text: str, code: str, detail: str = "",
                        kind: str = CallbackLog.Kind.PAYMENT, txn_id: str = "",
                        payment_no: str = "") -> CallbackResult:
    """Log a refused notification in its own transaction (nothing else was changed) and say
    how to answer the provider so that it tries again."""
    message = f"{code}: {detail}" if detail else code
    with transaction.atomic():
        log_notification(provider=provider, outcome=LogOutcome.REJECTED, headers=headers,
                         text=text, detail=message, kind=kind, txn_id=txn_id,
                         payment_no=payment_no)
    if impl is None:
        status, body = 400, {"code": "FAIL", "message": code}
    else:
        status, body = impl.callback_response(accepted=False, message=code)
    return CallbackResult(outcome=LogOutcome.REJECTED, code=code, payment_no=payment_no,
                          http_status=status, http_body=body)


def _ids(data: CallbackData | None) -> dict[str, str]:
    return {"txn_id": data.provider_txn_id, "payment_no": data.payment_no} if data else {}


def _log(*, provider: str, outcome: str, headers: dict[str, str], text: str,
         detail: str = "", data: CallbackData | None = None) -> None:
    log_notification(provider=provider, outcome=outcome, headers=headers, text=text,
                     detail=detail, kind=_kind.get(), **_ids(data))


def query_apply(*, provider: str, data: CallbackData, detail: str = "") -> CallbackResult:
    """A paid order found by a query (the sweep), applied through exactly the code path of a
    verified notification: same checks, same guarded transition, same log (kind query). Of a
    notification and any number of queries racing for one payment, one applies it."""
    body = json.dumps({"payment_no": data.payment_no, "txn_id": data.provider_txn_id,
                       "amount_fen": data.amount_fen, "outcome": str(data.outcome),
                       "state": detail}, ensure_ascii=False).encode()
    return notification_handle(provider=provider, headers={}, body=body,
                               kind=CallbackLog.Kind.QUERY,
                               parse=lambda impl, lowered: data, apply=_apply, ids=_ids)


def _apply(provider: str, data: CallbackData, *, headers: dict[str, str], text: str) -> str:
    """Change the payment and book the money, or raise ``_Refused``. Returns the log outcome."""
    with transaction.atomic(), events.batched():
        payment = Payment.objects.filter(payment_no=data.payment_no, provider=provider).first()
        if payment is None:
            raise _Refused("unknown_payment")
        if payment.amount_fen != data.amount_fen:
            raise _Refused("amount_mismatch", f"expected {payment.amount_fen} fen, "
                                              f"notified {data.amount_fen} fen")
        if not _is_replay(payment, data):
            if _won(payment, data):  # sets the won fields on ``payment``: no re-read
                _settle(payment)
                _log(provider=provider, outcome=LogOutcome.APPLIED, headers=headers,
                     text=text, detail=str(data.outcome), data=data)
                return LogOutcome.APPLIED
            # Another delivery won the race while we looked: what did it leave?
            payment.refresh_from_db()
            if _is_refund_echo(payment, data):
                _log(provider=provider, outcome=LogOutcome.DUPLICATE, headers=headers,
                     text=text, detail="closed after a refund", data=data)
                return LogOutcome.DUPLICATE
            if not _is_replay(payment, data):
                raise _Refused(f"payment_already_{payment.status}",
                               f"this notification says {data.outcome}")
        _log(provider=provider, outcome=LogOutcome.DUPLICATE, headers=headers, text=text,
             detail="already processed", data=data)
        return LogOutcome.DUPLICATE


def _is_refund_echo(payment: Payment, data: CallbackData) -> bool:
    """A paid payment we have refunded (or are refunding), reported closed by the same
    transaction: the provider telling of the refund (Alipay sends ``TRADE_CLOSED`` to the
    payment's notify URL after a full refund). Nothing to change; answered as accepted so the
    provider stops retrying."""
    return (payment.status == Payment.Status.SUCCEEDED
            and data.outcome in (Outcome.FAILED, Outcome.CANCELLED)
            and payment.provider_txn_id == data.provider_txn_id
            and Refund.objects.filter(payment=payment)
            .exclude(status=Refund.Status.FAILED).exists())


def _won(payment: Payment, data: CallbackData) -> bool:
    """The guarded transition created → outcome: true for exactly one racing delivery.

    A success also writes the ledger reference its purpose will book the money under, when the
    purpose says beforehand (``_settle`` corrects it in the rare case the purpose refuses)."""
    paid_at = timezone.now() if data.outcome == Outcome.SUCCEEDED else None
    expected = handler_for(payment.purpose).reference
    reference = (expected(payment) if expected is not None and paid_at is not None
                 else payment.ledger_reference)
    try:
        updated = Payment.objects.filter(pk=payment.pk, status=Payment.Status.CREATED).update(
            status=data.outcome, provider_txn_id=data.provider_txn_id, paid_at=paid_at,
            ledger_reference=reference)
    except IntegrityError as exc:
        # The unique (provider, provider_txn_id): that transaction settled another payment.
        raise _Refused("txn_id_reused", "the transaction id belongs to another payment") from exc
    if updated == 1:
        # The row is now exactly what this UPDATE wrote (the guard held it at created).
        payment.status = str(data.outcome)
        payment.provider_txn_id = data.provider_txn_id
        payment.paid_at = paid_at
        payment.ledger_reference = reference
    return updated == 1


def _is_replay(payment: Payment, data: CallbackData) -> bool:
    return (payment.provider_txn_id == data.provider_txn_id
            and payment.status == str(data.outcome))


def _settle(payment: Payment) -> None:
    """The winner's work, in the same transaction as the status change."""
    handler = handler_for(payment.purpose)
    if payment.status == Payment.Status.SUCCEEDED:
        reference = handler.succeeded(payment)
        if reference != payment.ledger_reference:
            Payment.objects.filter(pk=payment.pk).update(ledger_reference=reference)
            payment.ledger_reference = reference
    elif handler.closed is not None:
        handler.closed(payment)
    PAYMENT_ENDED[payment.status].publish(PaymentEnded(
        payment_no=payment.payment_no, purpose=payment.purpose,
        reference=payment.reference, amount_fen=payment.amount_fen))
