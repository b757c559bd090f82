"""A provider's refund notification: verified, logged, and applied at most once.

The same rules as payment notifications (``callbacks``): every notification is logged
(``CallbackLog`` kind refund), verified before anything is read from the database, must name a
refund of ours at this provider with the same amount, and is applied through the guarded update
of ``refunds.refund_record``, so it races safely with the provider's synchronous answer and the
poll job. A replay of a notification already applied is answered "already processed".
Nothing here calls out over the network.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from django.db import transaction

from trustmart.core.errors import DomainError

from ..models import CallbackLog, Refund
from ..providers import PaymentProvider, RefundNotice, RefundResult, get_provider
from .callbacks import (
    BODY_LOG_MAX,
    CallbackResult,
    _loggable,
    _Refused,
    log_notification,
    reject_notification,
)
from .refunds import refund_record

logger = logging.getLogger(__name__)

LogOutcome = CallbackLog.Outcome


def refund_callback_handle(*, provider: str, headers: Mapping[str, str], body: bytes
                           ) -> CallbackResult:
    """Handle one refund notification from ``provider``. Returns the result; only an
    unexpected error (a bug, a lost database) raises."""
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    text = body.decode("utf-8", errors="replace")[:BODY_LOG_MAX]
    try:
        impl = get_provider(provider)
    except DomainError:
        return _reject(None, provider=provider, headers=_loggable(lowered, ()), text=text,
                       code="unknown_provider")
    logged = _loggable(lowered, impl.logged_headers)
    try:
        notice = impl.parse_refund_callback(lowered, body)
    except DomainError as exc:
        return _reject(impl, provider=impl.name, headers=logged, text=text, code=exc.code,
                       detail=str(exc.message))
    try:
        outcome = _apply(impl.name, notice, headers=logged, text=text)
    except _Refused as refused:
        return _reject(impl, provider=impl.name, headers=logged, text=text, code=refused.code,
                       detail=refused.detail, notice=notice)
    except Exception:
        logger.exception("refund notification from %s failed", impl.name)
        _reject(impl, provider=impl.name, headers=logged, text=text, code="internal_error",
                notice=notice)
        raise
    status, http_body = impl.callback_response(accepted=True)
    return CallbackResult(outcome=outcome, code=outcome, payment_no=notice.payment_no,
                          http_status=status, http_body=http_body)


def _apply(provider: str, notice: RefundNotice, *, headers: dict[str, str], text: str) -> str:
    """Finalise the refund, or raise ``_Refused``. Returns the log outcome."""
    with transaction.atomic():
        refund = (Refund.objects.select_related("payment")
                  .filter(refund_no=notice.refund_no, payment__provider=provider,
                          payment__payment_no=notice.payment_no).first())
        if refund is None:
            raise _Refused("unknown_refund")
        if refund.amount_fen != notice.amount_fen:
            raise _Refused("amount_mismatch", f"expected {refund.amount_fen} fen, "
                                              f"notified {notice.amount_fen} fen")
        if refund.status != notice.status:
            won = refund_record(refund=refund, result=RefundResult(
                provider_refund_id=notice.provider_refund_id, status=notice.status,
                detail=notice.detail))
            if won:
                _log(provider=provider, outcome=LogOutcome.APPLIED, headers=headers,
                     text=text, detail=f"{notice.refund_no} {notice.status}", notice=notice)
                return LogOutcome.APPLIED
            # Another path (the answer, the poll job) finalised it while we looked.
            refund.refresh_from_db(fields=["status"])
            if refund.status != notice.status:
                raise _Refused(f"refund_already_{refund.status}",
                               f"{notice.refund_no}: this notification says {notice.status}")
        _log(provider=provider, outcome=LogOutcome.DUPLICATE, headers=headers, text=text,
             detail=f"{notice.refund_no} already processed", notice=notice)
        return LogOutcome.DUPLICATE


def _ids(notice: RefundNotice | None) -> dict[str, str]:
    return ({"txn_id": notice.provider_refund_id, "payment_no": notice.payment_no}
            if notice else {})


def _log(*, provider: str, outcome: str, headers: dict[str, str], text: str,
         detail: str = "", notice: RefundNotice | None = None) -> None:
    log_notification(provider=provider, kind=CallbackLog.Kind.REFUND, outcome=outcome,
                     headers=headers, text=text, detail=detail, **_ids(notice))


def _reject(impl: PaymentProvider | None, *, provider: str, headers: dict[str, str], text: str,
            code: str, detail: str = "", notice: RefundNotice | None = None) -> CallbackResult:
    return reject_notification(impl, provider=provider, kind=CallbackLog.Kind.REFUND,
                               headers=headers, text=text, code=code, detail=detail,
                               **_ids(notice))
