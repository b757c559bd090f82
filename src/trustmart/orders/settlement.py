"""Settlement: once the after-sale window has closed, escrow becomes the merchant's money.

An order settles exactly once, however often and however concurrently the job runs, and also
after a crash, because three things happen in ONE transaction: the guarded status transition
received → completed (``order_transition``: two racing runs cannot both win), posting the
escrow hold, and the settlement journal (whose reference ``order:<no>:settle`` is itself an
idempotency key). If anything fails in between, all of it rolls back and the next run starts
from a clean "received" order.

Refunds: ``refunded_fen`` (money already returned to the buyer from escrow by
``order_refund``) reduces what is settled. The hold is posted in full (here, or already by the
first refund), so escrow receives the whole payment and pays out ``total - refunded`` here; the
refunded part left escrow through its own journal. The platform fee is charged on what is
actually settled (on the total when nothing was refunded).

Commissions: the sum of the lines' ``commission_fen`` (what the commissions app reserved for
sharers, already scaled down by refunds) goes to the platform's commission clearing account
in the same journal; the merchant's payable receives ``settled - fee - commission``. The
commissions app then releases each sharer's pending commission out of clearing on
``order.settled``.

Withdrawals are sandbox payouts (merchant_payable → external_payout). The orders app may not
add models for them, so each withdrawal is only a ledger journal of kind
``merchant_withdrawal`` with reference ``withdrawal:<merchant id>:<request id>``; the list of
withdrawals is read back from the payable account's ledger statement.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.core.errors import Conflict, DomainError, NotFound, invalid
from trustmart.core.money import Rounding, apply_bps, format_fen
from trustmart.ledger.models import Account, Entry, Hold, Journal, Purpose
from trustmart.ledger.selectors import account_find, account_statement
from trustmart.ledger.services import (
    InsufficientFunds,
    Leg,
    account_get_or_create,
    hold_post,
    post,
)
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_deposit_missing_fen, merchant_for_staff

from .events import ORDER_SETTLED, OrderSettled, SettledLine
from .lock_objects import order_lock
from .models import Order, OrderLine
from .services import order_transition

logger = logging.getLogger(__name__)

SETTLE_KIND = "order.settle"
WITHDRAWAL_KIND = "merchant_withdrawal"


def settle_reference(order_no: str) -> str:
    return f"order:{order_no}:settle"


def _platform(purpose: str) -> Account:
    return account_get_or_create(owner_type="platform", owner_id=None, purpose=purpose)


def _payable(merchant_id: int) -> Account:
    return account_get_or_create(owner_type="merchant", owner_id=merchant_id,
                                 purpose=Purpose.MERCHANT_PAYABLE)


def settlement_amounts(order: Order) -> tuple[int, int]:
    """``(settled, fee)``: what leaves escrow for this order, and the platform's part of it."""
    settled = order.total_fen - order.refunded_fen
    return settled, apply_bps(settled, settings.PLATFORM_FEE_BPS, rounding=Rounding.HALF_UP)


def commission_clearing_account() -> Account:
    """The platform's pass-through account for sharers' commissions (may go negative while
    pending commissions are held from it)."""
    return _platform(Purpose.COMMISSION_CLEARING)


def _settle_ledger(order: Order, *, settled_fen: int, fee_fen: int,
                   commission_fen: int) -> None:
    """Post the escrow hold, then split the order's money between merchant, sharers and
    platform."""
    if order.escrow_hold_id is None:
        raise Conflict(_("This order has no escrow to settle."), code="no_escrow_hold")
    if Hold.objects.filter(pk=order.escrow_hold_id, status=Hold.Status.PENDING).exists():
        hold_post(hold_id=order.escrow_hold_id)
    if settled_fen <= 0:
        return  # fully refunded: nothing is left in escrow for anyone
    merchant_fen = settled_fen - fee_fen - commission_fen
    if merchant_fen < 0:
        raise Conflict(_("Fee and commissions exceed what this order settles."),
                       code="commission_exceeds_settlement")
    legs = [Leg.debit(_platform(Purpose.PLATFORM_ESCROW), settled_fen)]
    if merchant_fen:
        legs.append(Leg.credit(_payable(order.merchant_id), merchant_fen))
    if fee_fen:
        legs.append(Leg.credit(_platform(Purpose.PLATFORM_REVENUE), fee_fen))
    if commission_fen:
        legs.append(Leg.credit(commission_clearing_account(), commission_fen))
    post(entries=legs, kind=SETTLE_KIND, reference=settle_reference(order.order_no),
         memo=f"order {order.order_no}")


def _settled_payload(order: Order, *, fee_fen: int, lines: list[OrderLine]) -> OrderSettled:
    return OrderSettled(
        order_no=order.order_no, merchant_id=order.merchant_id, buyer_id=order.buyer_id,
        total_fen=order.total_fen, fee_fen=fee_fen,
        lines=[SettledLine(line_id=line.pk, paid_fen=line.paid_fen, store_id=line.store_id,
                           share_code=line.share_code, commission_bps=line.commission_bps,
                           commission_fen=line.commission_fen, refunded_fen=line.refunded_fen)
               for line in lines])


def _is_due(order: Order, now: Any) -> bool:
    return (order.status == Order.Status.RECEIVED and order.open_cases == 0
            and order.settle_due_at is not None and order.settle_due_at <= now)


def order_settle(*, order_no: str) -> bool:
    """Settle one received, due order without open cases; True only for the run that did it.

    The row lock (PostgreSQL) makes a case opened at the same moment wait or win; the guarded
    transition is what decides between two settling runs. A lost race returns False and changes
    nothing.
    """
    if not Order.objects.filter(order_no=order_no).exists():
        raise NotFound(_("This order does not exist."))
    now = timezone.now()
    with transaction.atomic():
        order = order_lock(order_no=order_no, skip_locked=True)
        if order is None or not _is_due(order, now):
            return False  # another run holds it, or it is not (or no longer) due
        settled_fen, fee_fen = settlement_amounts(order)
        lines = list(order.lines.order_by("pk"))
        commission_fen = sum(line.commission_fen for line in lines)
        if not order_transition(order, Order.Status.COMPLETED, kind="settled",
                                note=f"{format_fen(settled_fen)}", settled_at=now,
                                completed_at=now, platform_fee_fen=fee_fen,
                                commission_fen=commission_fen):
            return False
        _settle_ledger(order, settled_fen=settled_fen, fee_fen=fee_fen,
                       commission_fen=commission_fen)
        ORDER_SETTLED.publish(_settled_payload(order, fee_fen=fee_fen, lines=lines))
    return True


def _due_order_nos(limit: int) -> list[str]:
    return list(
        Order.objects.filter(status=Order.Status.RECEIVED, open_cases=0,
                             settle_due_at__lte=timezone.now())
        .order_by("settle_due_at", "pk").values_list("order_no", flat=True)[:limit]
    )


def orders_settle_due(limit: int = 500) -> int:
    """The periodic sweep: settle every due order, each in its own transaction.

    One failing order is logged and left for the next run; it does not stop the others.
    """
    settled = 0
    for order_no in _due_order_nos(limit):
        try:
            settled += order_settle(order_no=order_no)
        except Exception:
            logger.exception("settling order %s failed", order_no)
    return settled


# --- the merchant's payable -----------------------------------------------------------------
def merchant_payable_fen(*, merchant: Merchant) -> int:
    """What the platform owes the merchant now, straight from the ledger."""
    account = account_find(owner_type="merchant", owner_id=merchant.pk,
                           purpose=Purpose.MERCHANT_PAYABLE)
    return account.balance_fen if account is not None else 0


def merchant_settled_orders(*, merchant: Merchant, limit: int = 50) -> QuerySet[Order]:
    """The newest settled orders, each with ``net_fen`` (what the merchant received)."""
    return (
        Order.objects.filter(merchant=merchant, settled_at__isnull=False)
        .annotate(net_fen=F("total_fen") - F("refunded_fen") - F("platform_fee_fen")
                  - F("commission_fen"))
        .order_by("-settled_at", "-pk")[:limit]
    )


def merchant_withdrawals(*, merchant: Merchant, limit: int = 50) -> QuerySet[Entry]:
    """Withdrawals are journals on the payable account (no model of their own, see above)."""
    account = account_find(owner_type="merchant", owner_id=merchant.pk,
                           purpose=Purpose.MERCHANT_PAYABLE)
    if account is None:
        return Entry.objects.none()
    return account_statement(account=account, newest_first=True).filter(
        journal__kind=WITHDRAWAL_KIND)[:limit]


# Higher apps may refuse a merchant's withdrawal (aftersales: an open debt to the guarantee
# fund). Orders may not import them, so they register a check here; it raises a DomainError.
WithdrawalCheck = Callable[[int], None]
_withdrawal_checks: dict[str, WithdrawalCheck] = {}


def withdrawal_check(fn: WithdrawalCheck) -> WithdrawalCheck:
    """Register ``fn(merchant_id)``, run before every withdrawal; its dotted path is its key."""
    _withdrawal_checks[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def withdrawal_minimum_fen() -> int:
    return int(settings.MERCHANT_WITHDRAWAL_MIN_FEN)


def _refuse_while_deposit_short(merchant: Merchant) -> None:
    """A merchant suspended because its guarantee deposit fell short keeps its payable until
    the deposit is whole again: the payable is what would pay a 假一赔十 debt it cannot."""
    if merchant.status == Merchant.Status.SUSPENDED and (
            merchant.suspension_kind == Merchant.SuspensionKind.DEPOSIT or not merchant.deposit_ok):
        raise Conflict(_(
            "The merchant is suspended because its guarantee deposit is %(missing)s short of the "
            "required amount. Top the deposit up before withdrawing.")
            % {"missing": format_fen(merchant_deposit_missing_fen(merchant=merchant))},
            code="deposit_insufficient")


def _withdrawal_allowed(merchant: Merchant) -> None:
    _refuse_while_deposit_short(merchant)
    for check in _withdrawal_checks.values():
        check(merchant.pk)


def merchant_withdrawal_refusal(*, merchant: Merchant) -> DomainError | None:
    """Why the merchant cannot withdraw now (the error a withdrawal would get), or None: the
    payable page and the API show it before anyone tries."""
    try:
        _withdrawal_allowed(merchant)
    except DomainError as exc:
        return exc
    return None


def merchant_withdrawal_create(*, user: User | AnonymousUser, merchant_id: int, amount_fen: int,
                               request_id: str | None = None) -> Journal:
    """Pay ``amount_fen`` of the payable out (sandbox payout: immediate).

    ``request_id`` (the form's one-time token) makes a double-submitted form pay once.
    The ledger refuses an overdraft under its account lock, so two racing withdrawals can
    never take more than the balance.
    """
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    minimum = withdrawal_minimum_fen()
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < minimum:
        raise invalid("amount", _("The minimum withdrawal is %(min)s.")
                      % {"min": format_fen(minimum)}, code="withdrawal_below_minimum")
    request_id = request_id or uuid.uuid4().hex
    if not 0 < len(request_id) <= 64:
        raise invalid("request_id", _("This withdrawal request is not valid."))
    with transaction.atomic():
        # Locked: a suspension for the deposit (merchant_deposit_refresh locks it too) cannot
        # slip in between this check and the payout.
        _withdrawal_allowed(Merchant.objects.select_for_update().get(pk=merchant.pk))
        payout = account_get_or_create(owner_type="platform", owner_id=None,
                                       purpose=Purpose.EXTERNAL_PAYOUT)
        try:
            return post(entries=[Leg.debit(_payable(merchant.pk), amount_fen),
                                 Leg.credit(payout, amount_fen)],
                        kind=WITHDRAWAL_KIND,
                        reference=f"withdrawal:{merchant.pk}:{request_id}",
                        memo=f"merchant {merchant.pk} withdrawal")
        except InsufficientFunds as exc:
            raise InsufficientFunds(
                _("You can withdraw at most %(balance)s.")
                % {"balance": format_fen(merchant_payable_fen(merchant=merchant))},
                code="withdrawal_exceeds_balance") from exc
