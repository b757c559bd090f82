"""A provider's refund notification: verified, logged, and applied at most once.

The same rules as payment notifications (``callbacks``): every notification is logged
(``CallbackLog`` kind refund), verified before anything is read from the database, must name a
refund of ours at this provider with the same amount, and is applied through the guarded update
of ``refunds.refund_record``, so it races safely with the provider's synchronous answer and the
poll job. A replay of a notification already applied is answered "already processed".
Nothing here calls out over the network.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from ..models import CallbackLog, Refund
from ..providers import RefundNotice, RefundResult
from .callbacks import CallbackResult, _Refused, log_notification, notification_handle
from .refunds import refund_record

LogOutcome = CallbackLog.Outcome


def refund_callback_handle(*, provider: str, headers: Mapping[str, str], body: bytes
                           ) -> CallbackResult:
    """Handle one refund notification from ``provider``. Returns the result; only an
    unexpected error (a bug, a lost database) raises."""
    return notification_handle(
        provider=provider, headers=headers, body=body, kind=CallbackLog.Kind.REFUND,
        parse=lambda impl, lowered: impl.parse_refund_callback(lowered, body), apply=_apply,
        ids=_ids)


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
