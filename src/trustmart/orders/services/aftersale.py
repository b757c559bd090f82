"""What higher apps ask of an order after payment: refunds from escrow, open after-sale cases,
and the commission reserved on each line.

* ``order_refund`` gives part or all of an order back from escrow while the order is paid,
  shipped or received (never after settlement: an open case holds settlement back). The escrow
  hold is posted in full on the first refund, then a journal ``escrow → external payment
  source`` returns the money; settlement later pays out only ``total − refunded``. The journal
  reference is the caller's reference, which makes the whole refund idempotent.
* ``order_case_open`` / ``order_case_close`` count open cases; while any is open the order
  neither auto-confirms nor settles.
* ``order_line_commission_set`` records the commission the commissions app reserved on a line,
  which settlement routes to the commission clearing account instead of to the merchant.

Each takes the order's row lock first, as settlement does, so none of them can interleave with
a settling run.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, NotFound, invalid
from trustmart.ledger.models import Hold, Journal, Purpose
from trustmart.ledger.services import Leg, hold_post, platform_account_ids, post

from ..events import ORDER_REFUNDED, OrderRefunded, RefundedLine
from ..lock_objects import order_lines_lock, order_lock
from ..models import Order, OrderLine
from .transitions import order_stock_return, order_transition

REFUNDABLE = (Order.Status.PAID, Order.Status.SHIPPED, Order.Status.RECEIVED)
REFUND_KIND = "order_refund"


def _locked(order_no: str) -> Order:
    order = order_lock(order_no=order_no)
    if order is None:
        raise NotFound(_("This order does not exist."), code="order_not_found")
    return order


def refund_line_payload(line: OrderLine, *, refunded_now: int) -> RefundedLine:
    return RefundedLine(line_id=line.pk, refunded_fen=refunded_now,
                        total_refunded_fen=line.refunded_fen, paid_fen=line.paid_fen,
                        commission_fen=line.commission_fen)


def _scaled_commission(line: OrderLine, *, before: int, after: int) -> int:
    """The line's reserve after a refund: pro rata to what is left paid, rounded down."""
    left_before = line.paid_fen - before
    if left_before <= 0:
        return 0
    return line.commission_fen * (line.paid_fen - after) // left_before


def _escrow_posted(order: Order) -> None:
    """Make the escrow hold real money in escrow, once, so part of it can be paid back."""
    if order.escrow_hold_id is None:
        raise Conflict(_("This order has no escrow to refund from."), code="no_escrow_hold")
    if Hold.objects.filter(pk=order.escrow_hold_id, status=Hold.Status.PENDING).exists():
        hold_post(hold_id=order.escrow_hold_id)


@transaction.atomic
def _check_refund_amount(order: Order, amount_fen: int) -> None:
    if order.status not in REFUNDABLE:
        raise Conflict(_("This order cannot be refunded now."), code="order_not_refundable")
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise invalid("amount_fen", _("A refund is a positive number of fen."))
    if amount_fen > order.total_fen - order.refunded_fen:
        raise invalid("amount_fen", _("The refund is larger than what is left of the order."),
                      code="refund_exceeds_order")


def _refund_lines(order: Order, lines: dict[int, int], *,
                  amount_fen: int) -> list[RefundedLine]:
    """Take each line's part of the refund (locked, in primary-key order); what it touched."""
    by_id = order_lines_lock(order)
    if any(line_id not in by_id for line_id in lines):
        raise invalid("lines", _("This line is not part of the order."))
    if sum(lines.values()) > amount_fen or any(v < 0 for v in lines.values()):
        raise invalid("lines", _("The line refunds do not add up to the refund."))
    touched: list[RefundedLine] = []
    for line_id, line_fen in sorted(lines.items()):
        line = by_id[line_id]
        if line_fen == 0:
            continue
        if line_fen > line.paid_fen - line.refunded_fen:
            raise invalid("lines", _("A line cannot be refunded more than was paid for it."),
                          code="refund_exceeds_line")
        before = line.refunded_fen
        line.refunded_fen = before + line_fen
        line.commission_fen = _scaled_commission(line, before=before, after=line.refunded_fen)
        line.save(update_fields=["refunded_fen", "commission_fen"])
        touched.append(refund_line_payload(line, refunded_now=line_fen))
    return touched


def order_refund(*, order_no: str, amount_fen: int, lines: dict[int, int], reason: str,
                 reference: str, actor: User | None = None) -> Order:
    """Return ``amount_fen`` of a paid, shipped or received order to the buyer from escrow.

    ``lines`` says how much of each line is refunded (the rest of ``amount_fen`` is shipping).
    The same ``reference`` again changes nothing and returns the order.
    """
    order = _locked(order_no)
    if Journal.objects.filter(reference=reference).exists():
        return order  # this refund was already made
    _check_refund_amount(order, amount_fen)
    touched = _refund_lines(order, lines, amount_fen=amount_fen)

    _escrow_posted(order)
    accounts = platform_account_ids(
        purposes=(Purpose.PLATFORM_ESCROW, Purpose.EXTERNAL_PAYMENT_SOURCE))
    post(entries=[Leg.debit(accounts[Purpose.PLATFORM_ESCROW], amount_fen),
                  Leg.credit(accounts[Purpose.EXTERNAL_PAYMENT_SOURCE], amount_fen)],
         kind=REFUND_KIND, reference=reference, memo=f"order {order.order_no}")

    refunded = order.refunded_fen + amount_fen
    full = refunded == order.total_fen
    note = reason.strip()[:300]
    if full:
        was_paid = order.status == Order.Status.PAID
        if not order_transition(order, Order.Status.REFUNDED, kind="refunded", actor=actor,
                                note=note, refunded_fen=refunded,
                                cancelled_at=timezone.now(), auto_confirm_due_at=None):
            raise Conflict(_("This order cannot be refunded now."),
                           code="order_not_refundable")
        if was_paid:
            order_stock_return(order)  # nothing was shipped: the units go back on sale
    else:
        Order.objects.filter(pk=order.pk).update(refunded_fen=refunded)
        order.refunded_fen = refunded
        order.events.create(kind="partial_refund", actor=actor, note=note,
                            from_status=order.status, to_status=order.status)
    ORDER_REFUNDED.publish(OrderRefunded(
        order_no=order.order_no, checkout_no=order.checkout.checkout_no,
        merchant_id=order.merchant_id, buyer_id=order.buyer_id,
        amount_fen=amount_fen, reason=note, reference=reference, full=full, lines=touched))
    return order


@transaction.atomic
def order_case_open(*, order_no: str) -> Order:
    """An after-sale case opened on the order: settlement and auto-confirm wait for it."""
    order = _locked(order_no)
    won = Order.objects.filter(pk=order.pk, status__in=REFUNDABLE).filter(
        ~Q(status=Order.Status.RECEIVED) | Q(settle_due_at__gt=timezone.now())
    ).update(open_cases=F("open_cases") + 1)
    if not won:
        raise Conflict(_("The after-sale window of this order has closed."),
                       code="order_not_disputable")
    order.refresh_from_db(fields=["open_cases"])
    return order


@transaction.atomic
def order_case_close(*, order_no: str) -> Order:
    """A case ended; the order may settle (or auto-confirm) again once none is open."""
    order = _locked(order_no)
    Order.objects.filter(pk=order.pk, open_cases__gt=0).update(open_cases=F("open_cases") - 1)
    order.refresh_from_db(fields=["open_cases"])
    return order


@transaction.atomic
def order_line_commission_set(*, line_id: int, commission_fen: int) -> bool:
    """Record the commission reserved on a line; False once the order can no longer pay one
    (settled, cancelled or refunded), in which case nothing changes."""
    line = OrderLine.objects.filter(pk=line_id).select_related("order").first()
    if line is None:
        raise NotFound(_("This order line does not exist."), code="order_line_not_found")
    order = _locked(line.order.order_no)
    if order.status not in REFUNDABLE or order.settled_at is not None:
        return False
    line.refresh_from_db(fields=["paid_fen", "refunded_fen"])
    if (isinstance(commission_fen, bool) or not isinstance(commission_fen, int)
            or not 0 <= commission_fen <= line.paid_fen - line.refunded_fen):
        raise invalid("commission_fen",
                      _("A commission is between nothing and what is left paid for the line."))
    OrderLine.objects.filter(pk=line.pk).update(commission_fen=commission_fen)
    return True
