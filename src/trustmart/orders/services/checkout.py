"""Checkout: the cart becomes one order per merchant under one checkout (one payment).

Everything happens in one transaction: if any line cannot take its stock, nothing is taken and
nothing is created. Stock is taken with a conditional ``UPDATE`` (no lock), so buyers racing
for the last units win exactly as many times as there are units.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.catalog.selectors import (
    main_image_subquery,
    main_image_url,
    product_purchasable,
    sellable_batch_id,
    sellable_batch_subquery,
)
from trustmart.catalog.services import sku_stock_take
from trustmart.core.errors import Conflict, InvalidInput, NotFound, invalid
from trustmart.ledger.models import Purpose
from trustmart.ledger.selectors import platform_account_subquery
from trustmart.ledger.services import (
    NewHold,
    hold_void,
    holds_create_new,
    platform_account_ids,
)
from trustmart.merchants.models import Merchant
from trustmart.sharing.selectors import Attribution, AttributionAsk, attributions_for

from ..events import (
    CHECKOUT_CREATED,
    ORDER_PAID,
    ORDER_REFUNDED,
    CheckoutCreated,
    OrderPaid,
    OrderRefunded,
    PaidLine,
)
from ..lock_objects import checkout_lock
from ..models import CHECKOUT_STATES, Address, CartLine, Checkout, Order, OrderLine
from ..selectors import address_get
from ..shipping import shipping_fee_fen
from .aftersale import refund_line_payload
from .cart import _member
from .transitions import order_stock_return, order_transition, orders_transition

ADDRESS_FIELDS = ("recipient_name", "mobile", "province", "city", "district", "detail")


def _request_hash(address_id: int, line_ids: list[int] | None, buyer_note: str) -> str:
    body = json.dumps({"address_id": address_id, "buyer_note": buyer_note,
                       "line_ids": sorted(line_ids) if line_ids is not None else None},
                      sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(member: User, request_key: str, request_hash: str) -> Checkout | None:
    existing = Checkout.objects.filter(buyer=member, request_key=request_key).first()
    if existing is not None and existing.request_hash != request_hash:
        raise InvalidInput(_("This idempotency key was already used for a different request."),
                           code="idempotency_key_reused")
    return existing


def _cart_lines(member: User, line_ids: list[int] | None) -> list[CartLine]:
    """The lines to check out, in one read: each with its SKU, product, merchant (and the
    merchant's shipping rule), category chain and store; and, annotated on the product as
    ``batch_sellable``/``main_image_url`` expect them, its FEFO batch and its main image."""
    lines = (CartLine.objects.filter(user=member)
             .select_related("sku__product__merchant__shipping_rule",
                             "sku__product__category__parent__parent", "store")
             .annotate(sellable_batch=sellable_batch_subquery("sku__product_id"),
                       main_image=main_image_subquery("sku__product_id"))
             .order_by("sku__product__merchant_id", "-added_at", "-pk"))
    if line_ids is not None:
        found: list[CartLine] = list(lines.filter(pk__in=set(line_ids)))
        if len(found) != len(set(line_ids)):
            raise NotFound(_("This cart line does not exist."), code="cart_line_not_found")
    else:
        found = list(lines.filter(selected=True))
    for line in found:
        product = line.sku.product
        product.sellable_batch_id = line.sellable_batch  # type: ignore[attr-defined]
        product.main_image = line.main_image  # type: ignore[attr-defined]
    return found


def _check_lines(lines: list[CartLine]) -> None:
    if not lines:
        raise invalid("line_ids", _("Choose something to check out."), code="cart_empty")
    per_product: dict[int, int] = defaultdict(int)
    for line in lines:
        product = line.sku.product
        if not line.sku.is_active or not product_purchasable(product=product):
            raise invalid("line_ids", _("%(name)s cannot be bought now.")
                          % {"name": product.name}, code="product_unavailable")
        per_product[product.pk] += line.quantity
        limit = product.purchase_limit
        if limit and per_product[product.pk] > limit:
            raise invalid("line_ids", _("You can buy at most %(limit)s of %(name)s per order.")
                          % {"limit": limit, "name": product.name},
                          code="purchase_limit_exceeded")


def _snapshot(address: Address) -> dict[str, str]:
    return {field: getattr(address, field) for field in ADDRESS_FIELDS}


@transaction.atomic
def checkout_create(*, buyer: User | AnonymousUser, address_id: int,
                    line_ids: list[int] | None = None, request_key: str | None = None,
                    buyer_note: str = "") -> Checkout:
    """One order per merchant from the buyer's selected, purchasable cart lines (or
    ``line_ids``). A retried ``request_key`` returns the first checkout and takes no stock.

    A retry is recognised without a read of its own: the first checkout emptied the cart (so
    the cart check fails), or, if the buyer has put other things in the cart since, the
    unique (buyer, request key) refuses the second checkout row before any stock is taken.
    Either way the first checkout is the answer.
    """
    member = _member(buyer)
    buyer_note = buyer_note.strip()
    if len(buyer_note) > 200:
        raise invalid("buyer_note", _("This is too long."), code="note_too_long")
    request_key = (request_key or "").strip()[:128] or None
    request_hash = _request_hash(address_id, line_ids, buyer_note)
    try:
        address = address_get(user=member, address_id=address_id)
        lines = _cart_lines(member, line_ids)
        _check_lines(lines)
    except (InvalidInput, NotFound):
        if request_key and (found := _replay(member, request_key, request_hash)):
            return found
        raise
    by_merchant: dict[int, list[CartLine]] = defaultdict(list)
    for line in lines:
        by_merchant[line.sku.product.merchant_id].append(line)
    plans: list[tuple[Merchant, list[CartLine], int, int]] = []
    for group in by_merchant.values():
        merchant = group[0].sku.product.merchant
        goods = sum(line.sku.price_fen * line.quantity for line in group)
        shipping = shipping_fee_fen(getattr(merchant, "shipping_rule", None),
                                    subtotal_fen=goods, province=address.province)
        plans.append((merchant, group, goods, shipping))
    now = timezone.now()
    expires_at = now + timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    snapshot = _snapshot(address)
    try:
        with transaction.atomic():
            checkout = Checkout.objects.create(
                buyer=member, request_key=request_key, request_hash=request_hash,
                total_fen=sum(goods + shipping for _m, _g, goods, shipping in plans),
                address=snapshot, expires_at=expires_at)
    except IntegrityError:
        # The same key was used before (a retry, maybe racing the first): its checkout.
        if request_key and (found := _replay(member, request_key, request_hash)):
            return found
        raise
    # In SKU order, so two checkouts sharing SKUs cannot deadlock on each other's rows.
    for line in sorted(lines, key=lambda line: line.sku_id):
        if not sku_stock_take(sku_id=line.sku_id, quantity=line.quantity):
            raise Conflict(_("%(name)s does not have enough stock left.")
                           % {"name": line.sku.product.name}, code="insufficient_stock")
    # 锁客: each line is sold through the store (and share) the buyer's binding or the line's
    # own share says; commission is only ever due on an attributed line.
    attributed = dict(zip((line.pk for line in lines), attributions_for(
        buyer_id=member.pk, asks=[AttributionAsk(product_id=line.sku.product_id,
                                                 store_id=line.store_id,
                                                 share_code=line.share_code)
                                  for line in lines]), strict=True))
    orders = Order.objects.bulk_create([
        Order(checkout=checkout, buyer=member, merchant=merchant, goods_fen=goods,
              shipping_fen=shipping, total_fen=goods + shipping, address=snapshot,
              buyer_note=buyer_note, expires_at=expires_at)
        for merchant, _group, goods, shipping in plans])
    order_lines = OrderLine.objects.bulk_create([
        _order_line(order, line, attributed[line.pk])
        for order, (_merchant, group, _goods, _shipping) in zip(orders, plans, strict=True)
        for line in group])
    # No "created" event row: placing an order is not a transition, and the timeline takes
    # it from the order itself (``selectors.order_timeline``).
    # What was just written, for the caller's answer (the API), so it need not be read
    # back: the same to_attr pattern as prefetches ("all_batches").
    for order in orders:
        order.created_lines = [line for line in order_lines  # type: ignore[attr-defined]
                               if line.order_id == order.pk]
    checkout.created_orders = orders  # type: ignore[attr-defined]
    CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
    CHECKOUT_CREATED.publish(CheckoutCreated(
        checkout_no=checkout.checkout_no, buyer_id=member.pk, total_fen=checkout.total_fen,
        order_nos=[order.order_no for order in reversed(orders)]))
    return checkout


def _order_line(order: Order, line: CartLine, attribution: Attribution) -> OrderLine:
    product = line.sku.product
    return OrderLine(
        order=order, sku=line.sku, product=product, product_name=product.name[:60],
        spec_key=line.sku.spec_key, image_url=(main_image_url(product) or "")[:300],
        unit_price_fen=line.sku.price_fen, quantity=line.quantity,
        paid_fen=line.sku.price_fen * line.quantity,
        commission_bps=product.commission_bps if attribution.store_id else 0,
        batch_id=sellable_batch_id(product=product), store_id=attribution.store_id,
        share_code=attribution.share_code)


def _paid_payload(order: Order, lines: list[OrderLine]) -> OrderPaid:
    return OrderPaid(order_no=order.order_no, buyer_id=order.buyer_id,
                     merchant_id=order.merchant_id, total_fen=order.total_fen,
                     lines=[PaidLine(line_id=line.pk, paid_fen=line.paid_fen,
                                     store_id=line.store_id, share_code=line.share_code,
                                     commission_bps=line.commission_bps) for line in lines])


def checkout_paid(*, checkout_no: str, amount_fen: int, payment_ref: str) -> bool:
    """Payment succeeded: hold each order's total in escrow and mark the orders paid.

    False when the checkout can no longer be paid (expired or cancelled): the caller refunds.
    The same payment reported again is True with no second hold.

    The common case is one guarded ``UPDATE ... WHERE status = 'awaiting_payment' AND
    total_fen = <paid> AND expires_at > now``: exactly one payment of a checkout wins it, so
    what follows cannot be a replay and needs no lock or replay read. Only when it matches no
    row is the checkout read, to say why.
    """
    now = timezone.now()
    # No savepoint: an error in here must roll the caller's whole transaction back.
    with transaction.atomic(savepoint=False):
        # CHECKOUT_STATES' awaiting_payment → paid, with the amount and deadline in the guard.
        won = Checkout.objects.filter(
            checkout_no=checkout_no, status=Checkout.Status.AWAITING_PAYMENT,
            total_fen=amount_fen, expires_at__gt=now,
        ).update(status=Checkout.Status.PAID, paid_at=now, payment_ref=payment_ref[:64])
        if won:
            _orders_paid(checkout_no, now=now)
    return True if won else _checkout_not_won(checkout_no, amount_fen=amount_fen,
                                              payment_ref=payment_ref, now=now)


@transaction.atomic
def _checkout_not_won(checkout_no: str, *, amount_fen: int, payment_ref: str,
                      now: datetime) -> bool:
    """Why the guarded update matched nothing: unknown, wrong amount, already paid (by this
    payment: True), closed, or past its deadline (closed now; the caller refunds)."""
    checkout = checkout_lock(checkout_no)
    if checkout is None:
        raise NotFound(_("This checkout does not exist."), code="checkout_not_found")
    if amount_fen != checkout.total_fen:
        raise Conflict(_("The amount paid does not match the checkout."),
                       code="amount_mismatch")
    if checkout.status == Checkout.Status.PAID:
        return checkout.payment_ref == payment_ref[:64]
    if checkout.status == Checkout.Status.AWAITING_PAYMENT and checkout.expires_at <= now:
        # Paid too late, even if the sweep has not closed it yet: the stock may already be
        # promised elsewhere, so close it now and let the caller refund the money.
        _checkout_close(checkout_no, status=Checkout.Status.EXPIRED, kind="expired")
    return False


def _orders_paid(checkout_no: str, *, now: datetime) -> None:
    """The orders of a checkout just won for payment: one escrow hold each, all opened with
    one INSERT, each order moved to paid and its ``order.paid`` published."""
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    orders: dict[int, Order] = {}
    accounts: tuple[int | None, int | None] = (None, None)
    for line in (OrderLine.objects.filter(order__checkout__checkout_no=checkout_no)
                 .select_related("order").order_by("order_id", "pk")
                 .annotate(source=platform_account_subquery(Purpose.EXTERNAL_PAYMENT_SOURCE),
                           escrow=platform_account_subquery(Purpose.PLATFORM_ESCROW))):
        orders.setdefault(line.order_id, line.order)
        lines[line.order_id].append(line)
        accounts = (line.source, line.escrow)
    source, escrow = accounts
    if source is None or escrow is None:  # the very first payment: create them
        platform = platform_account_ids(
            purposes=(Purpose.EXTERNAL_PAYMENT_SOURCE, Purpose.PLATFORM_ESCROW))
        source = platform[Purpose.EXTERNAL_PAYMENT_SOURCE]
        escrow = platform[Purpose.PLATFORM_ESCROW]
    holds = holds_create_new([
        NewHold(debit_account=source, credit_account=escrow, amount_fen=order.total_fen,
                kind="order_escrow", reference=f"order:{order.order_no}:escrow")
        for order in orders.values()])
    for order, hold in zip(orders.values(), holds, strict=True):
        order.escrow_hold_id = hold.pk
    if not orders_transition(list(orders.values()), Order.Status.PAID, kind="paid",
                             fields=lambda order: {"paid_at": now, "expires_at": None,
                                                   "escrow_hold_id": order.escrow_hold_id}):
        raise Conflict(_("This order cannot be paid now."), code="order_not_payable")
    for order_id, order in orders.items():
        ORDER_PAID.publish(_paid_payload(order, lines[order_id]))


def _checkout_close(checkout_no: str, *, status: str, kind: str, actor: User | None = None,
                    note: str = "") -> bool:
    """Close an unpaid checkout (expired or cancelled): its orders cancelled, stock back."""
    checkout = checkout_lock(checkout_no)
    if checkout is None or checkout.status != Checkout.Status.AWAITING_PAYMENT:
        return False
    if not CHECKOUT_STATES.move(checkout, status):  # locked above: it cannot lose
        return False
    now = timezone.now()
    for order in checkout.orders.order_by("pk"):
        if order_transition(order, Order.Status.CANCELLED, kind=kind, actor=actor, note=note,
                            cancelled_at=now):
            order_stock_return(order)
    return True


def checkout_expire_due(limit: int = 500) -> int:
    """Close checkouts left unpaid past ``expires_at``; each in its own transaction."""
    due = (Checkout.objects.filter(status=Checkout.Status.AWAITING_PAYMENT,
                                   expires_at__lte=timezone.now())
           .order_by("expires_at").values_list("checkout_no", flat=True)[:limit])
    closed = 0
    for checkout_no in list(due):
        with transaction.atomic():
            closed += _checkout_close(checkout_no, status=Checkout.Status.EXPIRED,
                                      kind="expired")
    return closed


@transaction.atomic
def order_cancel(*, user: User | AnonymousUser, order_no: str, reason: str = "") -> Order:
    """The buyer cancels. Unpaid: the whole checkout closes (one payment covers all its
    orders). Paid but not shipped: the escrow hold is voided, stock returns, and payments
    refunds the buyer on "order.refunded"."""
    from ..selectors import order_for_buyer

    member = _member(user)
    order = order_for_buyer(user=member, order_no=order_no)
    reason = reason.strip()[:300]
    if order.status == Order.Status.AWAITING_PAYMENT:
        if not _checkout_close(order.checkout.checkout_no, status=Checkout.Status.CANCELLED,
                               kind="cancelled", actor=member, note=reason):
            raise Conflict(_("This order cannot be cancelled now."),
                           code="order_not_cancellable")
        order.refresh_from_db()
        return order
    if order.status == Order.Status.PAID and order_transition(
            order, Order.Status.REFUNDED, kind="refunded", actor=member, note=reason,
            cancelled_at=timezone.now(), refunded_fen=order.total_fen):
        if order.escrow_hold_id is not None:
            hold_void(hold_id=order.escrow_hold_id)
        order_stock_return(order)
        lines = list(order.lines.order_by("pk"))
        for line in lines:
            line.refunded_fen, line.commission_fen = line.paid_fen, 0
        OrderLine.objects.bulk_update(lines, ["refunded_fen", "commission_fen"])
        ORDER_REFUNDED.publish(OrderRefunded(
            order_no=order.order_no, checkout_no=order.checkout.checkout_no,
            merchant_id=order.merchant_id, buyer_id=order.buyer_id,
            amount_fen=order.total_fen, reason=reason,
            reference=f"order:{order.order_no}:refund", full=True,
            lines=[refund_line_payload(line, refunded_now=line.paid_fen) for line in lines]))
        return order
    raise Conflict(_("This order cannot be cancelled now."), code="order_not_cancellable")
