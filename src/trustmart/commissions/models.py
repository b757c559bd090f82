"""Commissions (佣金): the policy, one row per earned commission, and withdrawals.

A commission is a sharer's reward on one order line, at level 1 (the store the buyer bought
through) or level 2 (the sharer whose share that store owner re-shared). There is no level 3:
the database refuses it (CHECK level IN (1, 2)) and the computation returns at most a pair.

Money never lives here: a pending commission is a ledger hold from the platform's commission
clearing account to the earner's ``commission_available`` account; releasing it posts the hold,
cancelling it voids the hold. The row records which hold, and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trustmart.core.states import StateMachine

LEVELS = (1, 2)  # the only levels there are


class CommissionPolicy(models.Model):
    """The platform's commission rules. Append-only: every change is a new row with who made
    it and why, and the newest row is the policy in force. There is deliberately no field for
    entry fees or recruiting rewards: such things cannot be configured at all."""

    level2_enabled = models.BooleanField(_("level 2 commission enabled"), default=False)
    level2_bps = models.PositiveIntegerField(_("level 2 rate (bps)"), default=200)
    max_total_bps = models.PositiveIntegerField(_("cap on all levels together (bps)"),
                                                default=3000)
    allow_self_purchase = models.BooleanField(_("commission on self-purchase"), default=False)
    withdrawal_min_fen = models.BigIntegerField(_("minimum withdrawal (fen)"), default=1000)
    withdrawal_daily_limit_fen = models.BigIntegerField(_("daily withdrawal limit (fen)"),
                                                        default=500_000)
    min_click_to_pay_seconds = models.PositiveIntegerField(
        _("minimum seconds from visit to payment"), default=10)
    note = models.CharField(_("reason for the change"), max_length=200, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("commission policy")
        verbose_name_plural = _("commission policies")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_total_bps__lte=5000),
                                   name="commission_policy_cap_ceiling"),
            models.CheckConstraint(condition=Q(level2_enabled=False) | Q(level2_bps__gt=0),
                                   name="commission_policy_level2_rate"),
            models.CheckConstraint(condition=Q(withdrawal_min_fen__gt=0)
                                   & Q(withdrawal_daily_limit_fen__gte=models.F(
                                       "withdrawal_min_fen")),
                                   name="commission_policy_withdrawal_limits"),
        ]

    def __str__(self) -> str:
        return f"policy #{self.pk}"


class Commission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        AVAILABLE = "available", _("Available")
        CANCELLED = "cancelled", _("Cancelled")

    class Review(models.TextChoices):
        NONE = "none", _("Not reviewed")
        FLAGGED = "flagged", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT,
                                   related_name="commissions")
    order_no = models.CharField(max_length=32, db_index=True)
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT,
                                 related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    level = models.PositiveSmallIntegerField(_("level"))
    earner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="commissions")
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    share_code = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=20, blank=True)
    base_fen = models.BigIntegerField(_("commissioned amount (fen)"))
    rate_bps = models.PositiveIntegerField(_("rate (bps)"))
    initial_fen = models.BigIntegerField(_("amount at payment (fen)"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    review_status = models.CharField(max_length=10, choices=Review.choices,
                                     default=Review.NONE)
    review_reasons = models.JSONField(default=list, blank=True)  # fraud signal codes
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    hold_id = models.BigIntegerField(null=True, blank=True)
    # Settlement moved this commission's money into the clearing account.
    funded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("commission")
        verbose_name_plural = _("commissions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["order_line", "level"],
                                    name="commission_one_per_line_level"),
            models.CheckConstraint(condition=Q(level__in=LEVELS), name="commission_level_1_or_2"),
            models.CheckConstraint(condition=Q(amount_fen__gte=0)
                                   & Q(amount_fen__lte=models.F("initial_fen")),
                                   name="commission_amount_within_initial"),
            models.CheckConstraint(condition=Q(status__in=["pending", "available", "cancelled"]),
                                   name="commission_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="available") | Q(released_at__isnull=False),
                name="commission_available_released"),
        ]
        indexes = [
            models.Index(fields=["earner", "-created_at"], name="commission_earner_idx"),
            models.Index(fields=["merchant", "status"], name="commission_merchant_idx"),
            models.Index(fields=["review_status", "created_at"], name="commission_review_idx"),
            # The release sweep looks for pending commissions only; they are few.
            models.Index(fields=["order_no"], condition=Q(status="pending"),
                         name="commission_pending_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.order_no} L{self.level} {self.amount_fen}"


class CommissionWithdrawal(models.Model):
    """One withdrawal of available commission, paid out by payments (``payout_id``: where it
    stands). Older rows were sandbox payouts booked at once (``journal_id``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="commission_withdrawals")
    request_id = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    journal_id = models.BigIntegerField(null=True, blank=True)
    payout_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("commission withdrawal")
        verbose_name_plural = _("commission withdrawals")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "request_id"],
                                    name="commission_withdrawal_once"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0),
                                   name="commission_withdrawal_positive"),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="cwithdrawal_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.amount_fen}"


# A commission is pending until released (after settlement) or cancelled (a refund, a rejection).
COMMISSION_STATES = StateMachine(Commission, transitions={
    Commission.Status.PENDING: {Commission.Status.AVAILABLE, Commission.Status.CANCELLED}})
