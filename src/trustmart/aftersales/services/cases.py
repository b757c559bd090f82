"""Opening a case and every party's move on it (buyer, merchant, operator, the clock).

Each move is one service: it finds the case as the acting party (anyone else gets NotFound),
checks the status, and wins the guarded update or raises ``case_state_changed``. Money moves in
the same transaction as the winning update, each payout under its own idempotency reference.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, NotFound, invalid
from trustmart.logistics.carriers import carrier_clean, tracking_no_clean
from trustmart.orders.models import Order
from trustmart.orders.selectors import order_for_buyer
from trustmart.orders.services import order_case_open

from .. import conf
from ..events import CASE_OPENED, CaseOpened
from ..models import OPEN, WITHDRAWABLE, Case, CaseEvent, CaseMessage, Kind, Outcome, Reason, Status
from .base import (
    BUYER,
    MERCHANT,
    OPERATOR,
    SYSTEM,
    case_for_buyer,
    case_for_merchant,
    case_for_operator,
    case_for_party,
    case_payload,
    clean_text,
    close,
    encode_images,
    execute_refund,
    finish,
    line_remaining_fen,
    member,
    move,
    save_images,
)
from .compensation import pay_compensation

OS = Order.Status
# Which kinds of claim an order in each status admits.
KINDS_BY_ORDER_STATUS: dict[str, frozenset[str]] = {
    OS.PAID: frozenset({Kind.REFUND_ONLY}),
    OS.SHIPPED: frozenset({Kind.REFUND_ONLY, Kind.RETURN_REFUND, Kind.QUALITY, Kind.COUNTERFEIT}),
    OS.RECEIVED: frozenset({Kind.RETURN_REFUND, Kind.QUALITY, Kind.COUNTERFEIT}),
}


def _not_disputable() -> Conflict:
    return Conflict(_("After-sales is not possible for this order now."),
                    code="order_not_disputable")


def _wrong_status() -> Conflict:
    return Conflict(_("This is not possible in the case's current status."),
                    code="case_wrong_status")


def kinds_for_order(order: Order) -> list[str]:
    """The kinds of claim the buyer may open on ``order`` now (empty: none)."""
    allowed = KINDS_BY_ORDER_STATUS.get(order.status, frozenset())
    if order.status == OS.RECEIVED and (order.settle_due_at is None
                                       or timezone.now() >= order.settle_due_at):
        return []
    return [k for k in Kind.values if k in allowed]


# --- opening ----------------------------------------------------------------------------------
@transaction.atomic
def case_open(*, buyer: User | AnonymousUser, order_no: str, line_id: int, kind: str,
              reason: str, text: str = "", requested_fen: int | None = None,
              images: Sequence[UploadedFile] = ()) -> Case:
    """The buyer claims on one line of their order. One open case per line at a time; opening
    holds the order's settlement and auto-confirm (``order_case_open``)."""
    user = member(buyer)
    order = order_for_buyer(user=user, order_no=order_no)
    line = next((ln for ln in order.lines.all() if ln.pk == line_id), None)
    if line is None:
        raise NotFound(_("This order line does not exist."), code="line_not_found")
    if kind not in Kind.values:
        raise invalid("kind", _("Choose what you are asking for."), code="invalid_kind")
    if reason not in Reason.values:
        raise invalid("reason", _("Choose a reason."), code="invalid_reason")
    text = clean_text(text, field="text")
    allowed = kinds_for_order(order)
    if not allowed:
        raise _not_disputable()
    if kind not in allowed:
        raise invalid("kind", _("This kind of claim is not possible for the order now."),
                      code="kind_not_allowed")
    remaining = line_remaining_fen(line)
    if remaining <= 0:
        raise Conflict(_("This line has been refunded in full."), code="line_fully_refunded")
    amount = remaining if requested_fen is None else requested_fen
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= remaining:
        raise invalid("requested_fen", _("The refund must be more than 0 and at most what is "
                                         "left of this line."), code="invalid_amount")
    encoded = encode_images(images)
    if Case.objects.filter(line=line, status__in=sorted(OPEN)).exists():
        raise _already_open()
    order_case_open(order_no=order.order_no)
    now = timezone.now()
    case = Case(order=order, line=line, buyer=user, merchant_id=order.merchant_id, kind=kind,
                reason=reason, text=text, requested_fen=amount,
                due_at=now + conf.merchant_reply_window())
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError as exc:  # a racing second claim on the same line
        raise _already_open() from exc
    CaseEvent.objects.create(case=case, kind="opened", to_status=case.status, actor=user,
                             role=BUYER, note=text, amount_fen=amount, created_at=now)
    save_images(case, encoded, user=user, role=BUYER)
    CASE_OPENED.publish(CaseOpened(**case_payload(case)))
    return case


def _already_open() -> Conflict:
    return Conflict(_("There is already an open case for this item."), code="case_already_open")


# --- agreeing on money ------------------------------------------------------------------------
def _settle_agreed(case: Case, *, actor: User | None, role: str) -> None:
    """After ``accepted``: a return first, or the refund (and 10x for counterfeit) at once."""
    if case.needs_return:
        move(case, Status.AWAITING_RETURN, kind="awaiting_return", actor=actor, role=role,
             due_at=timezone.now() + conf.return_ship_window())
        return
    _refund_and_close(case, actor=actor, role=role)


def _refund_and_close(case: Case, *, actor: User | None, role: str) -> None:
    agreed = int(case.agreed_fen or 0)
    execute_refund(case, agreed)
    outcome = Outcome.PARTIAL if agreed < case.requested_fen else Outcome.REFUNDED
    if case.kind == Kind.COUNTERFEIT and outcome == Outcome.REFUNDED:
        pay_compensation(case)  # the merchant admitted the counterfeit
    close(case, Status.REFUNDED, outcome=outcome, kind="refunded", actor=actor, role=role)


def _accept(case: Case, *, agreed_fen: int, actor: User | None, role: str, kind: str,
            note: str = "") -> Case:
    move(case, Status.ACCEPTED, kind=kind, actor=actor, role=role, note=note,
         amount_fen=agreed_fen, agreed_fen=agreed_fen, due_at=None)
    _settle_agreed(case, actor=actor, role=role)
    return case


# --- the merchant -----------------------------------------------------------------------------
@transaction.atomic
def case_merchant_accept(*, user: User | AnonymousUser, case_no: str) -> Case:
    """The merchant agrees to the buyer's claim in full."""
    case = case_for_merchant(user, case_no)
    if case.status != Status.AWAITING_MERCHANT:
        raise _wrong_status()
    return _accept(case, agreed_fen=int(case.requested_fen), actor=member(user), role=MERCHANT,
                   kind="merchant_accepted")


@transaction.atomic
def case_merchant_reject(*, user: User | AnonymousUser, case_no: str, reason: str) -> Case:
    """The merchant refuses, with a reason; the buyer may escalate within the window."""
    case = case_for_merchant(user, case_no)
    text = clean_text(reason, field="reason", required=True)
    if case.status != Status.AWAITING_MERCHANT:
        raise _wrong_status()
    move(case, Status.REJECTED, kind="merchant_rejected", actor=member(user), role=MERCHANT,
         note=text, merchant_reason=text, due_at=timezone.now() + conf.escalate_window())
    return case


@transaction.atomic
def case_merchant_offer(*, user: User | AnonymousUser, case_no: str, amount_fen: int,
                        note: str = "") -> Case:
    """The merchant offers a smaller refund; the buyer accepts or declines it."""
    case = case_for_merchant(user, case_no)
    text = clean_text(note, field="note")
    if case.status != Status.AWAITING_MERCHANT:
        raise _wrong_status()
    if (not isinstance(amount_fen, int) or isinstance(amount_fen, bool)
            or not 0 < amount_fen < case.requested_fen):
        raise invalid("amount_fen", _("A partial offer is more than 0 and less than what the "
                                      "buyer asked for."), code="invalid_amount")
    move(case, Status.PARTIAL_OFFERED, kind="partial_offered", actor=member(user),
         role=MERCHANT, note=text, amount_fen=amount_fen, offered_fen=amount_fen,
         merchant_reason=text, due_at=timezone.now() + conf.escalate_window())
    return case


@transaction.atomic
def case_return_confirm(*, user: User | AnonymousUser | None, case_no: str,
                        auto: bool = False) -> Case:
    """The merchant received the return (or the clock says so): refund and close."""
    if auto:
        case = Case.objects.select_related("order", "line").get(case_no=case_no)
        actor, role = None, SYSTEM
    else:
        case = case_for_merchant(user, case_no)
        actor, role = member(user), MERCHANT
    if case.status != Status.RETURNED:
        raise _wrong_status()
    # Win the move first so a racing confirmation refunds nothing twice.
    move(case, Status.REFUNDED, kind="return_auto_confirmed" if auto else "return_received",
         actor=actor, role=role, due_at=None)
    agreed = int(case.agreed_fen or 0)
    execute_refund(case, agreed)
    outcome = Outcome.PARTIAL if agreed < case.requested_fen else Outcome.REFUNDED
    if case.kind == Kind.COUNTERFEIT and outcome == Outcome.REFUNDED:
        pay_compensation(case)
    finish(case, outcome=outcome)
    return case


# --- the buyer --------------------------------------------------------------------------------
@transaction.atomic
def case_withdraw(*, buyer: User | AnonymousUser, case_no: str) -> Case:
    case = case_for_buyer(buyer, case_no)
    if case.status not in WITHDRAWABLE:
        raise _wrong_status()
    close(case, Status.CLOSED_BY_BUYER, outcome=Outcome.WITHDRAWN, kind="withdrawn",
          actor=member(buyer), role=BUYER)
    return case


@transaction.atomic
def case_offer_accept(*, buyer: User | AnonymousUser, case_no: str) -> Case:
    case = case_for_buyer(buyer, case_no)
    if case.status != Status.PARTIAL_OFFERED or not case.offered_fen:
        raise _wrong_status()
    return _accept(case, agreed_fen=int(case.offered_fen), actor=member(buyer), role=BUYER,
                   kind="offer_accepted")


@transaction.atomic
def case_offer_decline(*, buyer: User | AnonymousUser, case_no: str, note: str = "") -> Case:
    """Declining the offer makes it a rejection the buyer may escalate."""
    case = case_for_buyer(buyer, case_no)
    text = clean_text(note, field="note")
    if case.status != Status.PARTIAL_OFFERED:
        raise _wrong_status()
    move(case, Status.REJECTED, kind="offer_declined", actor=member(buyer), role=BUYER,
         note=text, due_at=timezone.now() + conf.escalate_window())
    return case


@transaction.atomic
def case_escalate(*, buyer: User | AnonymousUser, case_no: str, note: str = "") -> Case:
    """平台介入: the buyer asks an operator to decide a rejected case, within the window."""
    case = case_for_buyer(buyer, case_no)
    text = clean_text(note, field="note")
    if case.status != Status.REJECTED:
        raise _wrong_status()
    if case.due_at is not None and timezone.now() >= case.due_at:
        raise Conflict(_("The time to ask the platform to step in has passed."),
                       code="escalation_window_over")
    move(case, Status.ARBITRATION, kind="escalated", actor=member(buyer), role=BUYER,
         note=text, due_at=None)
    return case


@transaction.atomic
def case_return_ship(*, buyer: User | AnonymousUser, case_no: str, carrier: str,
                     tracking_no: str) -> Case:
    """The buyer sent the goods back; the merchant's confirmation clock starts."""
    case = case_for_buyer(buyer, case_no)
    code = carrier_clean(carrier).code
    number = tracking_no_clean(tracking_no)
    if case.status != Status.AWAITING_RETURN:
        raise _wrong_status()
    move(case, Status.RETURNED, kind="return_shipped", actor=member(buyer), role=BUYER,
         note=f"{code} {number}", return_carrier=code, return_tracking_no=number,
         due_at=timezone.now() + conf.return_confirm_window())
    return case


# --- messages ---------------------------------------------------------------------------------
@transaction.atomic
def case_message_post(*, user: User | AnonymousUser, case_no: str, text: str,
                      images: Sequence[UploadedFile] = ()) -> CaseMessage:
    """Any party (buyer, the merchant's staff, an operator) writes on the case."""
    case, role = case_for_party(user, case_no)
    body = clean_text(text, field="text", limit=1000)
    if not body and not images:
        raise invalid("text", _("Write something or add a picture."), code="empty_message")
    if not case.is_open:
        raise Conflict(_("This case is closed."), code="case_closed")
    encoded = encode_images(images)
    author = member(user)
    message = CaseMessage.objects.create(case=case, author=author, role=role, text=body)
    save_images(case, encoded, user=author, role=role, message=message)
    return message


# --- the operator -----------------------------------------------------------------------------
@transaction.atomic
def case_arbitrate(*, operator: User | AnonymousUser, case_no: str, decision: str, reason: str,
                   refund_fen: int | None = None) -> Case:
    """An operator decides an escalated case, always with a written reason. Upheld: the refund
    (the buyer's request unless the operator sets another amount) and, for a counterfeit, 10x
    compensation; dismissed: the case closes. The decision executes itself."""
    case = case_for_operator(operator, case_no)
    text = clean_text(reason, field="reason", required=True)
    if decision not in (Outcome.UPHELD, Outcome.DISMISSED):
        raise invalid("decision", _("Choose upheld or dismissed."), code="invalid_decision")
    if case.status != Status.ARBITRATION:
        raise _wrong_status()
    actor = member(operator)
    if decision == Outcome.DISMISSED:
        close(case, Status.DISMISSED, outcome=Outcome.DISMISSED, kind="dismissed", actor=actor,
              role=OPERATOR, note=text, decision_reason=text, decided_by=actor)
        return case
    remaining = line_remaining_fen(case.line)
    amount = int(case.requested_fen) if refund_fen is None else refund_fen
    if (not isinstance(amount, int) or isinstance(amount, bool)
            or not 0 <= amount <= remaining):
        raise invalid("refund_fen", _("The refund must be between 0 and what is left of this "
                                      "line."), code="invalid_amount")
    move(case, Status.UPHELD, kind="upheld", actor=actor, role=OPERATOR, note=text,
         amount_fen=amount, agreed_fen=amount, decision_reason=text, decided_by=actor,
         due_at=None)
    execute_refund(case, amount)
    if case.kind == Kind.COUNTERFEIT:
        pay_compensation(case)
    finish(case, outcome=Outcome.UPHELD)
    return case


# --- the clock --------------------------------------------------------------------------------
@transaction.atomic
def case_deadline_pass(*, case_no: str) -> bool:
    """Apply the rule of the case's current deadline if it has passed; False if nothing to do.

    awaiting_merchant → accepted for the buyer; partial_offered → the offer lapses (closed);
    awaiting_return → closed (the buyer did not send it back); returned → the return is
    confirmed and refunded; rejected → closed, no escalation came.
    """
    case = Case.objects.select_related("order", "line").filter(case_no=case_no).first()
    if case is None or case.due_at is None or timezone.now() < case.due_at:
        return False
    status = case.status
    if status == Status.AWAITING_MERCHANT:
        _accept(case, agreed_fen=int(case.requested_fen), actor=None, role=SYSTEM,
                kind="auto_accepted")
    elif status == Status.PARTIAL_OFFERED:
        close(case, Status.CLOSED, outcome=Outcome.REJECTED, kind="offer_lapsed")
    elif status == Status.AWAITING_RETURN:
        close(case, Status.CLOSED, outcome=Outcome.WITHDRAWN, kind="return_not_shipped")
    elif status == Status.RETURNED:
        case_return_confirm(user=None, case_no=case.case_no, auto=True)
    elif status == Status.REJECTED:
        close(case, Status.CLOSED, outcome=Outcome.REJECTED, kind="not_escalated")
    else:
        return False
    return True


def cases_due_sweep(limit: int = 500) -> int:
    """Run every passed deadline; each case in its own transaction. Returns how many moved."""
    due = list(Case.objects.filter(status__in=sorted(OPEN), due_at__lte=timezone.now())
               .order_by("due_at", "pk").values_list("case_no", flat=True)[:limit])
    done = 0
    for case_no in due:
        try:
            if case_deadline_pass(case_no=case_no):
                done += 1
        except Conflict:
            continue  # a party moved the case in between
    return done

