"""The pieces every case service shares: finding the case as its party, the guarded status
move with its timeline row, evidence files, and closing (refund, events, the order's count)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.accounts.selectors import is_operator
from trustmart.core.errors import Conflict, NotAuthenticated, NotFound, invalid
from trustmart.merchants.selectors import merchants_of_user
from trustmart.orders.models import Order, OrderLine
from trustmart.orders.services import order_case_close, order_refund

from ..conf import MAX_IMAGES
from ..events import CASE_CLOSED, CaseClosed
from ..evidence import evidence_jpeg
from ..lock_objects import cases_locked
from ..models import CASE_STATES, Case, CaseEvent, CaseImage, CaseMessage, Kind, Outcome

BUYER, MERCHANT, OPERATOR, SYSTEM = "buyer", "merchant", "operator", "system"
REFUNDABLE = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.RECEIVED)
TEXT_MAX = 500
MESSAGE_MAX = 1000


def member(user: User | AnonymousUser | None) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


def case_not_found() -> NotFound:
    return NotFound(_("This after-sales case does not exist."), code="case_not_found")


def case_changed() -> Conflict:
    return Conflict(_("This case has changed in the meantime. Refresh and try again."),
                    code="case_state_changed")


def _locked(qs: Any, lock: bool) -> Any:
    return cases_locked(qs) if lock else qs


def case_for_buyer(user: User | AnonymousUser | None, case_no: str, *,
                   lock: bool = False) -> Case:
    case = _locked(Case.objects.select_related("order", "line").filter(
        buyer=member(user), case_no=case_no), lock).first()
    if case is None:
        raise case_not_found()
    return case


def case_for_merchant(user: User | AnonymousUser | None, case_no: str, *,
                      lock: bool = False) -> Case:
    merchant_ids = merchants_of_user(user=member(user)).values_list("pk", flat=True)
    case = _locked(Case.objects.select_related("order", "line").filter(
        merchant_id__in=list(merchant_ids), case_no=case_no), lock).first()
    if case is None:
        raise case_not_found()
    return case


def case_for_operator(user: User | AnonymousUser | None, case_no: str, *,
                      lock: bool = False) -> Case:
    if not is_operator(member(user)):
        raise case_not_found()
    case = _locked(Case.objects.select_related("order", "line").filter(case_no=case_no),
                   lock).first()
    if case is None:
        raise case_not_found()
    return case


def case_for_party(user: User | AnonymousUser | None, case_no: str) -> tuple[Case, str]:
    """The case and what ``user`` is to it (buyer, merchant, operator); NotFound otherwise."""
    actor = member(user)
    case = Case.objects.select_related("order", "line").filter(case_no=case_no).first()
    if case is None:
        raise case_not_found()
    if case.buyer_id == actor.pk:
        return case, BUYER
    if merchants_of_user(user=actor).filter(pk=case.merchant_id).exists():
        return case, MERCHANT
    if is_operator(actor):
        return case, OPERATOR
    raise case_not_found()


def clean_text(value: str, *, field: str, limit: int = TEXT_MAX, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise invalid(field, _("Please give a reason."), code="reason_required")
    if len(text) > limit:
        raise invalid(field, _("The text is too long (at most %(n)d characters).") % {"n": limit},
                      code="text_too_long")
    return text


def line_remaining_fen(line: OrderLine) -> int:
    return max(int(line.paid_fen) - int(line.refunded_fen), 0)


# --- the state machine ------------------------------------------------------------------------
def transition(case: Case, to_status: str, *, kind: str, actor: User | None = None,
               role: str = SYSTEM, note: str = "", amount_fen: int | None = None,
               **fields: Any) -> bool:
    """Move ``case`` from its (in-memory) status to ``to_status``; False if the move is not in
    the table or another request moved the case first."""
    now = timezone.now()
    return CASE_STATES.move(case, to_status, updated_at=now, **fields, record={
        "kind": kind, "actor": actor if actor and actor.pk else None, "role": role,
        "note": note[:500], "amount_fen": amount_fen, "created_at": now})


def move(case: Case, to_status: str, **kwargs: Any) -> None:
    if not transition(case, to_status, **kwargs):
        raise case_changed()


def note_event(case: Case, *, kind: str, actor: User | None = None, role: str = SYSTEM,
               note: str = "", amount_fen: int | None = None) -> None:
    """A timeline row that is not a status change (a payout, a message of the system)."""
    CaseEvent.objects.create(case=case, kind=kind, actor=actor if actor and actor.pk else None,
                             role=role, note=note[:500], amount_fen=amount_fen)


# --- evidence ---------------------------------------------------------------------------------
def encode_images(uploads: Sequence[UploadedFile], *, already: int = 0
                  ) -> list[tuple[bytes, int, int]]:
    """Decode every upload before anything is written; at most ``MAX_IMAGES`` in all."""
    if already + len(uploads) > MAX_IMAGES:
        raise invalid("images", _("At most %(n)d pictures.") % {"n": MAX_IMAGES},
                      code="too_many_images")
    return [evidence_jpeg(upload) for upload in uploads]


def save_images(case: Case, encoded: list[tuple[bytes, int, int]], *, user: User, role: str,
                message: CaseMessage | None = None) -> list[CaseImage]:
    saved = []
    for data, width, height in encoded:
        image = CaseImage(case=case, message=message, uploaded_by=user, role=role,
                          width=width, height=height)
        image.file.save("evidence.jpg", ContentFile(data), save=False)
        image.save()
        saved.append(image)
    return saved


# --- money and closing ------------------------------------------------------------------------
def refund_reference(case: Case) -> str:
    return f"case:{case.case_no}:refund"


def execute_refund(case: Case, amount_fen: int) -> int:
    """Refund ``amount_fen`` (at most what is left of the line) from escrow, once per case."""
    line = OrderLine.objects.select_related("order").get(pk=case.line_id)
    amount = min(int(amount_fen), line_remaining_fen(line))
    if amount <= 0 or line.order.status not in REFUNDABLE:
        return 0  # nothing left to give back (the whole order was refunded meanwhile)
    order_refund(order_no=case.order.order_no, amount_fen=amount, lines={line.pk: amount},
                 reason=f"after-sales case {case.case_no}", reference=refund_reference(case))
    Case.objects.filter(pk=case.pk).update(refund_fen=amount)
    case.refund_fen = amount
    note_event(case, kind="refund_paid", amount_fen=amount)
    return amount


def case_payload(case: Case) -> dict[str, Any]:
    """The fields every case event carries (``CaseOpened``; ``CaseClosed`` adds the end)."""
    line = case.line
    return {"case_no": case.case_no, "kind": case.kind, "order_no": case.order.order_no,
            "line_id": case.line_id, "buyer_id": case.buyer_id,
            "merchant_id": case.merchant_id, "store_id": line.store_id}


def finish(case: Case, *, outcome: str) -> None:
    """The case is in a terminal status: record the outcome, release the order's hold on
    settlement, tell the credit record (``case.closed``)."""
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(outcome=outcome, closed_at=now, due_at=None)
    case.outcome, case.closed_at, case.due_at = outcome, now, None
    order_case_close(order_no=case.order.order_no)
    counterfeit = case.kind == Kind.COUNTERFEIT and outcome in (Outcome.UPHELD,
                                                                 Outcome.REFUNDED)
    CASE_CLOSED.publish(CaseClosed(**case_payload(case), outcome=outcome,
                                   refund_fen=int(case.refund_fen),
                                   compensation_fen=int(case.compensation_fen),
                                   counterfeit=counterfeit))


def close(case: Case, to_status: str, *, outcome: str, kind: str, actor: User | None = None,
          role: str = SYSTEM, note: str = "", **fields: Any) -> None:
    """Move into a terminal status and finish the case."""
    move(case, to_status, kind=kind, actor=actor, role=role, note=note,
         amount_fen=case.refund_fen or None, due_at=None, **fields)
    finish(case, outcome=outcome)
