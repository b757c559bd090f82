"""Checkout: the cart becomes one order per merchant under one checkout (one payment).

Everything happens in one transaction: if any line cannot take its stock, nothing is taken and
nothing is created. Stock is taken with a conditional ``UPDATE`` (no lock), so buyers racing
for the last units win exactly as many times as there are units.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.catalog.models import Batch, ProductImage
from trustmart.catalog.selectors import batch_sellable, product_purchasable
from trustmart.catalog.services import sku_stock_take
from trustmart.core.errors import Conflict, InvalidInput, NotFound, invalid
from trustmart.core.events import publish
from trustmart.ledger.models import Purpose
from trustmart.ledger.services import hold_create, hold_void, platform_account_ids
from trustmart.sharing.selectors import attribution_for

from ..models import Address, CartLine, Checkout, Order, OrderLine, ShippingRule
from ..selectors import address_get
from ..shipping import shipping_fee_fen
from .aftersale import refund_line_payload
from .cart import _member
from .transitions import order_stock_return, order_transition

ADDRESS_FIELDS = ("recipient_name", "mobile", "province", "city", "district", "detail")


def _request_hash(address_id: int, line_ids: list[int] | None, buyer_note: str) -> str:
    body = json.dumps({"address_id": address_id, "buyer_note": buyer_note,
                       "line_ids": sorted(line_ids) if line_ids is not None else None},
                      sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(member: User, request_key: str, request_hash: str) -> Checkout | None:
    existing = Checkout.objects.filter(buyer=member, request_key=request_key).first()
    if existing is not None and existing.request_hash != request_hash:
        raise Conflict(_("This request key was already used for another checkout."),
                       code="idempotency_key_reused")
    return existing


def _cart_lines(member: User, line_ids: list[int] | None) -> list[CartLine]:
    lines = (CartLine.objects.filter(user=member)
             .select_related("sku__product__merchant", "sku__product__category__parent__parent",
                             "store")
             .prefetch_related(
                 Prefetch("sku__product__batches", queryset=Batch.objects.all(),
                          to_attr="all_batches"),
                 Prefetch("sku__product__images",
                          queryset=ProductImage.objects.filter(pending=False)
                          .order_by("position", "pk"), to_attr="live_images"))
             .order_by("sku__product__merchant_id", "-added_at", "-pk"))
    if line_ids is not None:
        lines = lines.filter(pk__in=set(line_ids))
        found = list(lines)
        if len(found) != len(set(line_ids)):
            raise NotFound(_("This cart line does not exist."), code="cart_line_not_found")
        return found
    return list(lines.filter(selected=True))


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


def _image_url(line: CartLine) -> str:
    images = getattr(line.sku.product, "live_images", [])
    return images[0].image.url if images else ""


@transaction.atomic
def checkout_create(*, buyer: User | AnonymousUser, address_id: int,
                    line_ids: list[int] | None = None, request_key: str | None = None,
                    buyer_note: str = "") -> Checkout:
    """One order per merchant from the buyer's selected, purchasable cart lines (or
    ``line_ids``). A retried ``request_key`` returns the first checkout and takes no stock."""
    member = _member(buyer)
    buyer_note = buyer_note.strip()
    if len(buyer_note) > 200:
        raise invalid("buyer_note", _("This is too long."), code="note_too_long")
    request_key = (request_key or "").strip()[:128] or None
    request_hash = _request_hash(address_id, line_ids, buyer_note)
    if request_key and (found := _replay(member, request_key, request_hash)):
        return found
    address = address_get(user=member, address_id=address_id)
    try:
        lines = _cart_lines(member, line_ids)
        _check_lines(lines)
    except (InvalidInput, NotFound):
        # A concurrent retry with the same key may have committed (and emptied the cart)
        # between our first look and reading the cart: then its checkout is the answer.
        if request_key and (found := _replay(member, request_key, request_hash)):
            return found
        raise
    by_merchant: dict[int, list[CartLine]] = defaultdict(list)
    for line in lines:
        by_merchant[line.sku.product.merchant_id].append(line)
    rules = {r.merchant_id: r for r in ShippingRule.objects.filter(merchant_id__in=by_merchant)}
    plans: list[tuple[int, list[CartLine], int, int]] = []
    for merchant_id, group in by_merchant.items():
        goods = sum(line.sku.price_fen * line.quantity for line in group)
        shipping = shipping_fee_fen(rules.get(merchant_id), subtotal_fen=goods,
                                    province=address.province)
        plans.append((merchant_id, group, goods, shipping))
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
        # A concurrent retry with the same key committed first: return its checkout.
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
    attributed = {line.pk: attribution_for(buyer_id=member.pk, product_id=line.sku.product_id,
                                           store_id=line.store_id, share_code=line.share_code)
                  for line in lines}
    orders: list[Order] = []
    for _merchant_id, group, goods, shipping in plans:
        order = Order.objects.create(
            checkout=checkout, buyer=member, merchant=group[0].sku.product.merchant,
            goods_fen=goods,
            shipping_fen=shipping, total_fen=goods + shipping, address=snapshot,
            buyer_note=buyer_note, expires_at=expires_at)
        created_lines = OrderLine.objects.bulk_create([OrderLine(
            order=order, sku=line.sku, product=line.sku.product,
            product_name=line.sku.product.name[:60], spec_key=line.sku.spec_key,
            image_url=_image_url(line)[:300], unit_price_fen=line.sku.price_fen,
            quantity=line.quantity, paid_fen=line.sku.price_fen * line.quantity,
            commission_bps=(line.sku.product.commission_bps
                            if attributed[line.pk].store_id else 0),
            batch=batch_sellable(product=line.sku.product),
            store_id=attributed[line.pk].store_id,
            share_code=attributed[line.pk].share_code) for line in group])
        order.events.create(to_status=order.status, kind="created", actor=member)
        # What was just written, for the caller's answer (the API), so it need not be read
        # back: the same to_attr pattern as prefetches ("all_batches").
        order.created_lines = created_lines  # type: ignore[attr-defined]
        orders.append(order)
    checkout.created_orders = orders  # type: ignore[attr-defined]
    CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
    publish("checkout.created", {"checkout_no": checkout.checkout_no, "buyer_id": member.pk,
                                 "total_fen": checkout.total_fen,
                                 "order_nos": [order.order_no for order in reversed(orders)]})
    return checkout


def _paid_payload(order: Order) -> dict[str, Any]:
    return {"order_no": order.order_no, "buyer_id": order.buyer_id,
            "merchant_id": order.merchant_id, "total_fen": order.total_fen,
            "lines": [{"line_id": line.pk, "paid_fen": line.paid_fen, "store_id": line.store_id,
                       "share_code": line.share_code, "commission_bps": line.commission_bps}
                      for line in order.lines.all()]}


@transaction.atomic
def checkout_paid(*, checkout_no: str, amount_fen: int, payment_ref: str) -> bool:
    """Payment succeeded: hold each order's total in escrow and mark the orders paid.

    False when the checkout can no longer be paid (expired or cancelled): the caller refunds.
    The same payment reported again is True with no second hold.
    """
    checkout = Checkout.objects.select_for_update().filter(checkout_no=checkout_no).first()
    if checkout is None:
        raise NotFound(_("This checkout does not exist."), code="checkout_not_found")
    if amount_fen != checkout.total_fen:
        raise Conflict(_("The amount paid does not match the checkout."),
                       code="amount_mismatch")
    if checkout.status == Checkout.Status.PAID:
        return checkout.payment_ref == payment_ref
    if checkout.status != Checkout.Status.AWAITING_PAYMENT:
        return False
    now = timezone.now()
    if checkout.expires_at <= now:
        # Paid too late, even if the sweep has not closed it yet: the stock may already be
        # promised elsewhere, so close it now and let the caller refund the money.
        _checkout_close(checkout_no, status=Checkout.Status.EXPIRED, kind="expired")
        return False
    checkout.status = Checkout.Status.PAID
    checkout.paid_at = now
    checkout.payment_ref = payment_ref[:64]
    checkout.save(update_fields=["status", "paid_at", "payment_ref"])
    platform = platform_account_ids(
        purposes=(Purpose.EXTERNAL_PAYMENT_SOURCE, Purpose.PLATFORM_ESCROW))
    source = platform[Purpose.EXTERNAL_PAYMENT_SOURCE]
    escrow = platform[Purpose.PLATFORM_ESCROW]
    for order in checkout.orders.select_for_update().order_by("pk"):
        hold = hold_create(debit_account=source, credit_account=escrow,
                           amount_fen=order.total_fen, kind="order_escrow",
                           reference=f"order:{order.order_no}:escrow")
        if not order_transition(order, Order.Status.PAID, kind="paid", paid_at=now,
                                expires_at=None, escrow_hold_id=hold.pk):
            raise Conflict(_("This order cannot be paid now."), code="order_not_payable")
        publish("order.paid", _paid_payload(order))
    return True


def _checkout_close(checkout_no: str, *, status: str, kind: str, actor: User | None = None,
                    note: str = "") -> bool:
    """Close an unpaid checkout (expired or cancelled): its orders cancelled, stock back."""
    checkout = Checkout.objects.select_for_update().filter(checkout_no=checkout_no).first()
    if checkout is None or checkout.status != Checkout.Status.AWAITING_PAYMENT:
        return False
    checkout.status = status
    checkout.save(update_fields=["status"])
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
        publish("order.refunded", {
            "order_no": order.order_no, "checkout_no": order.checkout.checkout_no,
            "amount_fen": order.total_fen, "reason": reason,
            "reference": f"order:{order.order_no}:refund", "full": True,
            "lines": [refund_line_payload(line, refunded_now=line.paid_fen) for line in lines]})
        return order
    raise Conflict(_("This order cannot be cancelled now."), code="order_not_cancellable")
