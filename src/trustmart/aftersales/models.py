"""After-sales cases (售后 / 维权): a buyer's claim on one order line, its timeline, messages,
evidence images, and the debts a merchant owes the guarantee fund after 假一赔十.

A case's status moves only through ``TRANSITIONS``, each by one service with a guarded
conditional update (``UPDATE ... WHERE status = <from>``), so two racing moves (the merchant's
accept and the auto-accept job) cannot both win. Every move is a ``CaseEvent`` row.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.states import StateMachine, Timeline
from trustmart.core.storage import private_storage


def case_number() -> str:
    return f"A{timezone.now():%Y%m%d%H%M%S}{secrets.randbelow(10**8):08d}"


class Kind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("Refund only")
    RETURN_REFUND = "return_refund", _("Return and refund")
    QUALITY = "quality", _("Quality problem")
    COUNTERFEIT = "counterfeit", _("Counterfeit")


class Reason(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Not received")
    NO_LONGER_WANTED = "no_longer_wanted", _("No longer wanted")
    NO_REASON_7_DAYS = "no_reason_7_days", _("7-day no-reason return")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    DAMAGED = "damaged", _("Damaged or defective")
    EXPIRED = "expired", _("Expired or spoiled")
    COUNTERFEIT = "counterfeit", _("Suspected counterfeit")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    AWAITING_MERCHANT = "awaiting_merchant", _("Awaiting the merchant")
    PARTIAL_OFFERED = "partial_offered", _("Partial refund offered")
    ACCEPTED = "accepted", _("Accepted")
    AWAITING_RETURN = "awaiting_return", _("Awaiting the return")
    RETURNED = "returned", _("Return shipped")
    REJECTED = "rejected", _("Rejected")
    ARBITRATION = "arbitration", _("Platform arbitration")
    REFUNDED = "refunded", _("Refunded")
    UPHELD = "upheld", _("Upheld by the platform")
    DISMISSED = "dismissed", _("Dismissed by the platform")
    CLOSED_BY_BUYER = "closed_by_buyer", _("Withdrawn")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    REFUNDED = "refunded", _("Refunded")
    PARTIAL = "partial", _("Partially refunded")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    DISMISSED = "dismissed", _("Dismissed")
    UPHELD = "upheld", _("Upheld")


S = Status
TERMINAL: frozenset[str] = frozenset({S.REFUNDED, S.UPHELD, S.DISMISSED, S.CLOSED_BY_BUYER,
                                      S.CLOSED})
OPEN: frozenset[str] = frozenset(set(S.values) - TERMINAL)
# The buyer may withdraw while nobody has decided the money yet.
WITHDRAWABLE: frozenset[str] = frozenset({S.AWAITING_MERCHANT, S.PARTIAL_OFFERED,
                                          S.AWAITING_RETURN, S.REJECTED, S.ARBITRATION})

TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_MERCHANT: frozenset({S.ACCEPTED, S.REJECTED, S.PARTIAL_OFFERED,
                                    S.CLOSED_BY_BUYER}),
    S.PARTIAL_OFFERED: frozenset({S.ACCEPTED, S.REJECTED, S.CLOSED_BY_BUYER, S.CLOSED}),
    S.ACCEPTED: frozenset({S.AWAITING_RETURN, S.REFUNDED}),
    S.AWAITING_RETURN: frozenset({S.RETURNED, S.CLOSED_BY_BUYER, S.CLOSED}),
    S.RETURNED: frozenset({S.REFUNDED}),
    S.REJECTED: frozenset({S.ARBITRATION, S.CLOSED, S.CLOSED_BY_BUYER}),
    S.ARBITRATION: frozenset({S.UPHELD, S.DISMISSED, S.CLOSED_BY_BUYER}),
    S.REFUNDED: frozenset(),
    S.UPHELD: frozenset(),
    S.DISMISSED: frozenset(),
    S.CLOSED_BY_BUYER: frozenset(),
    S.CLOSED: frozenset(),
}


class Case(models.Model):
    case_no = models.CharField(max_length=32, unique=True, default=case_number)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="cases")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="cases")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="cases")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT,
                                 related_name="cases")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=30, choices=Reason.choices)
    text = models.CharField(max_length=500, blank=True)
    requested_fen = models.BigIntegerField()
    offered_fen = models.BigIntegerField(null=True, blank=True)  # the merchant's partial offer
    agreed_fen = models.BigIntegerField(null=True, blank=True)  # what will be refunded
    status = models.CharField(max_length=20, choices=Status.choices,
                              default=Status.AWAITING_MERCHANT, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    # What was paid out, once: the refund from escrow and the 10x compensation.
    refund_fen = models.BigIntegerField(default=0)
    compensation_fen = models.BigIntegerField(default=0)
    merchant_reason = models.CharField(max_length=500, blank=True)  # why it rejected
    decision_reason = models.CharField(max_length=500, blank=True)  # the operator's
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    return_carrier = models.CharField(max_length=20, blank=True)
    return_tracking_no = models.CharField(max_length=30, blank=True)
    # The deadline of the current status (what it means depends on the status; see services).
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["buyer", "-created_at"], name="case_buyer_idx"),
            models.Index(fields=["merchant", "status", "-created_at"], name="case_merchant_idx"),
        ]
        constraints = [
            # One open case per order line at a time.
            models.UniqueConstraint(fields=["line"], condition=~Q(status__in=sorted(TERMINAL)),
                                    name="uniq_open_case_per_line"),
            models.CheckConstraint(condition=Q(requested_fen__gt=0), name="case_requested_pos"),
            models.CheckConstraint(condition=Q(refund_fen__gte=0) & Q(compensation_fen__gte=0),
                                   name="case_paid_out_not_negative"),
        ]

    def __str__(self) -> str:
        return self.case_no

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def needs_return(self) -> bool:
        return self.kind in (Kind.RETURN_REFUND, Kind.QUALITY)


class CaseEvent(models.Model):
    """The case's timeline: every status change and notable step, in order."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    role = models.CharField(max_length=10, blank=True)  # buyer | merchant | operator | system
    note = models.CharField(max_length=500, blank=True)
    amount_fen = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseMessage(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    role = models.CharField(max_length=10)  # buyer | merchant | operator
    text = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.role}"


def evidence_upload_to(instance: CaseImage, filename: str) -> str:
    # Unguessable names; the files are served only through an access-checked view.
    return f"aftersales/{uuid.uuid4().hex}.jpg"


class CaseImage(models.Model):
    """An evidence picture, attached to the claim itself (message null) or to a message."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="images")
    message = models.ForeignKey(CaseMessage, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="images")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    role = models.CharField(max_length=10)
    file = models.FileField(upload_to=evidence_upload_to, max_length=200, storage=private_storage)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence image")
        verbose_name_plural = _("evidence images")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.pk}"


class MerchantDebt(models.Model):
    """What a merchant owes the guarantee fund after the fund advanced 10x compensation."""

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT,
                                 related_name="aftersale_debts")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="debt")
    amount_fen = models.BigIntegerField()
    repaid_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    repaid_at = models.DateTimeField(null=True, blank=True)  # set when nothing is left

    class Meta:
        verbose_name = _("merchant debt")
        verbose_name_plural = _("merchant debts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0) & Q(repaid_fen__gte=0)
                                   & Q(repaid_fen__lte=models.F("amount_fen")),
                                   name="merchant_debt_amounts"),
            models.CheckConstraint(condition=Q(repaid_at__isnull=True)
                                   | Q(repaid_fen=models.F("amount_fen")),
                                   name="merchant_debt_repaid_when_paid"),
        ]
        indexes = [models.Index(fields=["merchant", "created_at"],
                                name="merchant_debt_merchant_idx")]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.amount_fen}"

    @property
    def outstanding_fen(self) -> int:
        return self.amount_fen - self.repaid_fen


class DebtRepayment(models.Model):
    """One repayment of a ``MerchantDebt`` from the merchant's payable (ledger journal
    ``reference``: merchant payable → guarantee fund). One journal may repay several debts,
    oldest first, so each row says how much of it went to which debt."""

    class Source(models.TextChoices):
        SETTLEMENT = "settlement", _("From an order's settlement")
        MERCHANT = "merchant", _("Repaid by the merchant")
        PAYMENT = "payment", _("Paid by the merchant")

    debt = models.ForeignKey(MerchantDebt, on_delete=models.PROTECT, related_name="repayments")
    amount_fen = models.BigIntegerField()
    source = models.CharField(max_length=12, choices=Source.choices)
    reference = models.CharField(max_length=150)  # the ledger journal's reference
    journal_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("debt repayment")
        verbose_name_plural = _("debt repayments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0),
                                   name="debt_repayment_positive"),
            models.UniqueConstraint(fields=["debt", "reference"], name="debt_repayment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.debt_id}: {self.amount_fen} ({self.source})"


# Every case status move goes through it (``services.base.transition``), recorded as a CaseEvent.
CASE_STATES = StateMachine(Case, transitions=TRANSITIONS,
                           timeline=Timeline(CaseEvent, subject="case"))
