"""Checkouts and orders.

One checkout (one payment) holds one order per merchant. An order's status moves only through
the transitions in ``TRANSITIONS``, each done by one service with a guarded conditional update
(``UPDATE ... WHERE status = <from>``), so two racing requests cannot both win; every move is
recorded in the order's timeline. Timed rules are ``*_due_at`` columns that jobs sweep.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.states import StateMachine, Timeline


def _number(prefix: str) -> str:
    # Sortable by time, unguessable in the tail: 20261122153012 + 8 random digits.
    return f"{prefix}{timezone.now():%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


def checkout_number() -> str:
    return _number("C")


def order_number() -> str:
    return _number("O")


class Checkout(models.Model):
    """What the buyer pays for at once: the parent of one order per merchant."""

    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Expired")
        CANCELLED = "cancelled", _("Cancelled")

    checkout_no = models.CharField(max_length=32, unique=True, default=checkout_number)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="checkouts")
    # The client's idempotency key: a retried checkout returns the same orders.
    request_key = models.CharField(max_length=128, null=True, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices,
                              default=Status.AWAITING_PAYMENT)
    total_fen = models.BigIntegerField()
    address = models.JSONField()  # snapshot: recipient_name, mobile, province, city, ...
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The payment that paid it: a repeated notice of the same payment is recognised.
    payment_ref = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkouts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["buyer", "request_key"],
                                    condition=Q(request_key__isnull=False),
                                    name="uniq_checkout_request_key"),
            models.CheckConstraint(condition=Q(total_fen__gt=0), name="checkout_total_positive"),
        ]

    def __str__(self) -> str:
        return self.checkout_no


class Order(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
        PAID = "paid", _("Awaiting shipment")
        SHIPPED = "shipped", _("Shipped")
        RECEIVED = "received", _("Received")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDING = "refunding", _("Refunding")
        REFUNDED = "refunded", _("Refunded")

    order_no = models.CharField(max_length=32, unique=True, default=order_number)
    checkout = models.ForeignKey(Checkout, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="orders")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT,
                                 related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices,
                              default=Status.AWAITING_PAYMENT, db_index=True)
    goods_fen = models.BigIntegerField()
    shipping_fen = models.BigIntegerField(default=0)
    discount_fen = models.BigIntegerField(default=0)
    total_fen = models.BigIntegerField()  # what the buyer pays for this order
    refunded_fen = models.BigIntegerField(default=0)
    address = models.JSONField()
    buyer_note = models.CharField(max_length=200, blank=True)
    # The escrow hold in the ledger (external_payment_source → platform_escrow) while paid.
    escrow_hold_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Timed rules, swept by jobs: unpaid expiry, auto-confirm after shipping, settlement after
    # the after-sale window closes.
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    auto_confirm_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    settle_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    platform_fee_fen = models.BigIntegerField(default=0)
    # Sharers' commissions taken out of this order at settlement (sum of the lines' reserves).
    commission_fen = models.BigIntegerField(default=0)
    # Open after-sales cases hold settlement back (issue: rights protection).
    open_cases = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["buyer", "status", "-created_at"], name="order_buyer_idx"),
            models.Index(fields=["merchant", "status", "-created_at"], name="order_merchant_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total_fen__gt=0), name="order_total_positive"),
            models.CheckConstraint(condition=Q(goods_fen__gte=0) & Q(shipping_fen__gte=0)
                                   & Q(discount_fen__gte=0), name="order_amounts_not_negative"),
            models.CheckConstraint(condition=Q(refunded_fen__gte=0)
                                   & Q(refunded_fen__lte=models.F("total_fen")),
                                   name="order_refund_within_total"),
        ]

    def __str__(self) -> str:
        return self.order_no


class OrderLine(models.Model):
    """One SKU in an order, with everything snapshotted at checkout."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=60)
    spec_key = models.CharField(max_length=200, blank=True)
    image_url = models.CharField(max_length=300, blank=True)
    unit_price_fen = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    # What the buyer actually paid for this line (after discounts); commission is computed on it.
    paid_fen = models.BigIntegerField()
    refunded_fen = models.BigIntegerField(default=0)
    commission_bps = models.PositiveIntegerField(default=0)
    # Commission reserved for sharers on this line (all levels together). The commissions app
    # keeps it equal to the sum of its live commissions; settlement routes it from escrow to
    # the platform's commission clearing account instead of to the merchant.
    commission_fen = models.BigIntegerField(default=0)
    batch = models.ForeignKey("catalog.Batch", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    # Attribution: the store (and share) the line was bought through.
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="order_lines")
    share_code = models.CharField(max_length=32, null=True, blank=True)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity"),
            models.CheckConstraint(condition=Q(unit_price_fen__gt=0) & Q(paid_fen__gte=0),
                                   name="order_line_amounts"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.product_name} x{self.quantity}"


class OrderEvent(models.Model):
    """The order's timeline: every status change and notable step, in order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=40)  # "created", "paid", "shipped", "note", ...
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"


TRANSITIONS: dict[str, set[str]] = {
    Order.Status.AWAITING_PAYMENT: {Order.Status.PAID, Order.Status.CANCELLED},
    Order.Status.PAID: {Order.Status.SHIPPED, Order.Status.REFUNDED, Order.Status.REFUNDING},
    Order.Status.SHIPPED: {Order.Status.RECEIVED, Order.Status.REFUNDING, Order.Status.REFUNDED},
    Order.Status.RECEIVED: {Order.Status.COMPLETED, Order.Status.REFUNDING,
                            Order.Status.REFUNDED},
    Order.Status.REFUNDING: {Order.Status.REFUNDED, Order.Status.PAID, Order.Status.SHIPPED,
                             Order.Status.RECEIVED},
    Order.Status.COMPLETED: set(),
    Order.Status.CANCELLED: set(),
    Order.Status.REFUNDED: set(),
}

# The machine every order status move goes through (``orders.services.order_transition``).
ORDER_STATES = StateMachine(Order, transitions=TRANSITIONS,
                            timeline=Timeline(OrderEvent, subject="order"))

# A checkout is paid once, or closed unpaid (expired or cancelled).
CHECKOUT_STATES = StateMachine(Checkout, transitions={
    Checkout.Status.AWAITING_PAYMENT: {Checkout.Status.PAID, Checkout.Status.EXPIRED,
                                       Checkout.Status.CANCELLED}})
