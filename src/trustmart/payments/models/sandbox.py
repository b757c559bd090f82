"""The sandbox provider's own books: what its pretend payer did, so the sandbox can answer
queries, close orders, issue bills and make transfers like a real provider (and a test can
lose a notification and see the query job find the payment)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SandboxRecord(models.Model):
    class Kind(models.TextChoices):
        TRADE = "trade", _("Trade")
        REFUND = "refund", _("Refund")
        TRANSFER = "transfer", _("Transfer")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # Our number: payment_no, refund_no or payout_no.
    number = models.CharField(max_length=32)
    provider_id = models.CharField(max_length=64)
    amount_fen = models.BigIntegerField()
    # WeChat's words: NOTPAY, SUCCESS, CLOSED, PAYERROR (trades); SUCCESS (refunds);
    # SUCCESS, FAIL (transfers).
    state = models.CharField(max_length=12)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sandbox record")
        verbose_name_plural = _("sandbox records")
        constraints = [models.UniqueConstraint(fields=["kind", "number"],
                                               name="sandbox_record_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} {self.state}"
