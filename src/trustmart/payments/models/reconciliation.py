"""Daily reconciliation (对账): each provider's bill compared line by line with our payments and
refunds; every difference waits in an operator queue until someone resolves it with a note."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReconciliationRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    provider = models.CharField(max_length=20)
    bill_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    bill_lines = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    differences = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        ordering = ["-bill_date", "provider"]
        constraints = [models.UniqueConstraint(fields=["provider", "bill_date"],
                                               name="reconciliation_once_per_day")]

    def __str__(self) -> str:
        return f"{self.provider} {self.bill_date} ({self.status})"


class ReconciliationDifference(models.Model):
    class Kind(models.TextChoices):
        MISSING_OURS = "missing_ours", _("In the provider's bill, not in our books")
        MISSING_THEIRS = "missing_theirs", _("In our books, not in the provider's bill")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
        STATUS_MISMATCH = "status_mismatch", _("Statuses differ")

    class Record(models.TextChoices):
        PAYMENT = "payment", _("Payment")
        REFUND = "refund", _("Refund")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE,
                            related_name="difference_rows")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    record = models.CharField(max_length=8, choices=Record.choices)
    number = models.CharField(max_length=32)
    provider_id = models.CharField(max_length=64, blank=True)
    our_amount_fen = models.BigIntegerField(null=True, blank=True)
    their_amount_fen = models.BigIntegerField(null=True, blank=True)
    our_status = models.CharField(max_length=20, blank=True)
    their_status = models.CharField(max_length=20, blank=True)
    # What to do about it (a code; the page shows its text).
    fix = models.CharField(max_length=32)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("reconciliation difference")
        verbose_name_plural = _("reconciliation differences")
        ordering = ["resolved_at", "-run__bill_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "record", "number"],
                                    name="reconciliation_difference_once"),
            models.CheckConstraint(condition=Q(resolved_at__isnull=True) | ~Q(note=""),
                                   name="reconciliation_resolved_has_note"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.record} {self.number}"
