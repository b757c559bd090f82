"""Payments through a provider (sandbox now; WeChat Pay and Alipay behind the same interface).

A payment is created for a purpose (a merchant's guarantee deposit now; checkouts later), the
payer completes it at the provider, and the provider's signed callback settles it. Callbacks are
deduplicated by the provider's transaction id; every callback received is logged.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def _payment_no() -> str:
    return uuid.uuid4().hex[:24]


class Payment(models.Model):
    class Purpose(models.TextChoices):
        DEPOSIT = "deposit", _("Guarantee deposit")
        CHECKOUT = "checkout", _("Order payment")
        MERCHANT_DEBT = "merchant_debt", _("Repayment to the guarantee fund")

    class Status(models.TextChoices):
        CREATED = "created", _("Waiting for payment")
        SUCCEEDED = "succeeded", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        H5 = "h5", _("WeChat Pay H5")
        JSAPI = "jsapi", _("WeChat Pay in WeChat")
        NATIVE = "native", _("WeChat Pay QR code")
        MINIPROGRAM = "miniprogram", _("WeChat Pay in the mini-program")
        WAP = "wap", _("Alipay web")
        APP = "app", _("Alipay app")

    payment_no = models.CharField(max_length=32, unique=True, default=_payment_no)
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="payments")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    # What is being paid for, e.g. "merchant:12" for a deposit; the purpose's service reads it.
    reference = models.CharField(max_length=64, db_index=True)
    amount_fen = models.BigIntegerField()
    provider = models.CharField(max_length=20, default="sandbox")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CREATED)
    provider_txn_id = models.CharField(max_length=64, null=True, blank=True)
    # The ledger journal (or hold) that recorded the money.
    ledger_reference = models.CharField(max_length=80, blank=True)
    description = models.CharField(max_length=128, blank=True)
    # Where the payer goes back to after the result page: a path on this site, never a full
    # URL (an open redirect would let a phishing link borrow our domain).
    return_url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Money given back through the provider (sum of succeeded refunds). The status stays
    # "succeeded": the payment did happen, and a replayed notification must still match it.
    refunded_fen = models.BigIntegerField(default=0)
    # How the payer pays at the provider (providers.Channel); empty: the provider's default.
    channel = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    # The provider's order expires then (a checkout's deadline), so nobody pays it later;
    # the sweep closes what is still open after it.
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
            models.UniqueConstraint(fields=["provider", "provider_txn_id"],
                                    condition=Q(provider_txn_id__isnull=False),
                                    name="uniq_provider_txn"),
            # A payment is only ever "paid" with the provider's transaction and the time.
            models.CheckConstraint(
                condition=~Q(status="succeeded")
                | Q(provider_txn_id__isnull=False, paid_at__isnull=False),
                name="payment_succeeded_has_txn"),
            models.CheckConstraint(condition=Q(refunded_fen__gte=0)
                                   & Q(refunded_fen__lte=models.F("amount_fen")),
                                   name="payment_refund_within_amount"),
        ]
        indexes = [models.Index(fields=["payer", "-created_at"], name="payment_payer_idx"),
                   models.Index(fields=["status", "created_at"], name="payment_open_idx",
                                condition=Q(status="created"))]

    def __str__(self) -> str:
        return f"{self.payment_no} {self.amount_fen} ({self.status})"


class CallbackLog(models.Model):
    """Every provider callback as received, with what we made of it (for audit and disputes).
    Refund notifications are logged the same way with ``kind`` refund: ``provider_txn_id`` then
    holds the provider's refund id and ``detail`` names our refund number."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("Applied")
        DUPLICATE = "duplicate", _("Duplicate (already processed)")
        REJECTED = "rejected", _("Rejected")
        # Verified, but of a state that ends nothing (NOTPAY, WAIT_BUYER_PAY): answered as
        # received so the provider does not repeat it, and nothing changed.
        IGNORED = "ignored", _("Not final (nothing changed)")

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")
        # What an order query answered (the sweep's word, applied like a notification).
        QUERY = "query", _("Order query")

    provider = models.CharField(max_length=20)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PAYMENT)
    provider_txn_id = models.CharField(max_length=64, blank=True)
    payment_no = models.CharField(max_length=32, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    detail = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment callback")
        verbose_name_plural = _("payment callbacks")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_txn_id} {self.outcome}"


def _refund_no() -> str:
    return "R" + uuid.uuid4().hex[:23]


class Refund(models.Model):
    """Money given back to the payer through the provider of a succeeded payment.

    Requested inside a transaction (a row, status pending), issued at the provider after commit
    (never a network call inside a transaction). ``reference`` says what the refund is for
    (``order:<order_no>:refund``, ``payment:<payment_no>:late``) and is unique per payment, so a
    redelivered event or a retried callback never refunds twice.
    """

    class Reason(models.TextChoices):
        LATE_PAYMENT = "late_payment", _("Paid after the checkout closed")
        ORDER_REFUNDED = "order_refunded", _("Order refunded")

    class Status(models.TextChoices):
        PENDING = "pending", _("Refund pending")
        # The provider accepted it; the money is on its way (a notification or a query ends it).
        PROCESSING = "processing", _("Refund processing")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Refund failed")

    # Not final yet: a notification, the poll job or the provider's answer may still end it.
    OPEN_STATUSES = (Status.PENDING, Status.PROCESSING)

    refund_no = models.CharField(max_length=32, unique=True, default=_refund_no)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    reference = models.CharField(max_length=80)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    provider_refund_id = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(fields=["payment", "reference"],
                                    name="uniq_refund_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.refund_no} {self.amount_fen} ({self.status})"


class PlatformCertificate(models.Model):
    """A WeChat Pay platform certificate downloaded from ``GET /v3/certificates`` (verified with
    a key we already trusted and decrypted with the APIv3 key). The provider checks WeChat's
    signatures with the configured keys plus these, while they are in force."""

    serial = models.CharField(max_length=64, unique=True)
    pem = models.TextField()
    effective_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    fetched_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("WeChat Pay platform certificate")
        verbose_name_plural = _("WeChat Pay platform certificates")
        ordering = ["-expires_at"]

    def __str__(self) -> str:
        return f"{self.serial} (until {self.expires_at:%Y-%m-%d})"
