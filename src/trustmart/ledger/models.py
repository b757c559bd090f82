"""Accounts, journals, entries and holds: double-entry bookkeeping in integer fen.

Sign convention (TigerBeetle's four counters, credit-normal):

* every account keeps ``debits_posted_fen``, ``credits_posted_fen``, ``debits_pending_fen`` and
  ``credits_pending_fen``, each only ever the sum of positive amounts, so each is >= 0;
* ``balance = credits_posted - debits_posted``: money the platform owes the owner (escrow,
  a merchant's deposit, a payable, a commission) is a positive balance;
* ``available = balance - debits_pending``: what may still be debited once the holds that
  reserve money on the account are counted. Pending credits are never spendable;
* money arriving from outside is debited to ``external_payment_source`` (which goes negative
  by the amount that came in), money leaving is credited to ``external_payout``, so the sum of
  all balances in the ledger is always exactly zero, posted and pending alike.

An account with ``allow_negative=False`` is protected by a database CHECK constraint on
``available >= 0``, so no code path (not even a raw ``UPDATE``) can overdraw it.

Journals and entries are immutable: a correction is a new, reversing journal. The model layer
refuses ``save()`` on an existing row, ``delete()`` and queryset ``update()``/``delete()``;
on PostgreSQL a trigger (migration 0002) refuses the same at the database.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    """What an account is for. New purposes are added here with their default policy."""

    PLATFORM_ESCROW = "platform_escrow", _("Platform escrow")
    PLATFORM_REVENUE = "platform_revenue", _("Platform revenue")
    GUARANTEE_FUND = "guarantee_fund", _("Guarantee fund")
    MERCHANT_DEPOSIT = "merchant_deposit", _("Merchant guarantee deposit")
    MERCHANT_PAYABLE = "merchant_payable", _("Merchant payable")
    COMMISSION_PENDING = "commission_pending", _("Commission (pending)")
    COMMISSION_AVAILABLE = "commission_available", _("Commission (available)")
    # The platform's pass-through account for commissions: pending commissions are holds from
    # it, settlement funds it from escrow, releasing a commission posts the hold.
    COMMISSION_CLEARING = "commission_clearing", _("Commission clearing")
    EXTERNAL_PAYMENT_SOURCE = "external_payment_source", _("External payment source")
    EXTERNAL_PAYOUT = "external_payout", _("External payout")
    # A buyer's money on the platform (compensation paid to them), withdrawable to their
    # payout account.
    BUYER_WALLET = "buyer_wallet", _("Buyer wallet")


# Accounts that stand for money outside the platform (or a fund the platform may advance from)
# may go negative; everything the platform holds for someone may not.
ALLOW_NEGATIVE_BY_DEFAULT: frozenset[str] = frozenset(
    {Purpose.EXTERNAL_PAYMENT_SOURCE, Purpose.EXTERNAL_PAYOUT, Purpose.GUARANTEE_FUND,
     Purpose.COMMISSION_CLEARING}
)


class Side(models.TextChoices):
    DEBIT = "debit", _("Debit")
    CREDIT = "credit", _("Credit")


class ImmutableRowError(Exception):
    """Raised when code tries to change or delete a posted journal or entry."""


class ImmutableQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRowError(f"{self.model.__name__} rows are immutable")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError(f"{self.model.__name__} rows are immutable")


class ImmutableModel(models.Model):
    """Rows that may be inserted once and never changed: the audit trail of money."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRowError(f"{type(self).__name__} rows are immutable")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError(f"{type(self).__name__} rows are immutable")


class Account(models.Model):
    owner_type = models.CharField(_("owner type"), max_length=20)
    # NULL for platform accounts: there is exactly one platform.
    owner_id = models.BigIntegerField(_("owner id"), null=True, blank=True)
    purpose = models.CharField(_("purpose"), max_length=40, choices=Purpose.choices)
    allow_negative = models.BooleanField(_("may go negative"), default=False)
    debits_posted_fen = models.BigIntegerField(_("posted debits (fen)"), default=0)
    credits_posted_fen = models.BigIntegerField(_("posted credits (fen)"), default=0)
    debits_pending_fen = models.BigIntegerField(_("pending debits (fen)"), default=0)
    credits_pending_fen = models.BigIntegerField(_("pending credits (fen)"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id", "purpose"],
                condition=Q(owner_id__isnull=False),
                name="ledger_account_uniq_owner_purpose",
            ),
            # NULLs are distinct in a unique index, so owner-less accounts need their own.
            models.UniqueConstraint(
                fields=["owner_type", "purpose"],
                condition=Q(owner_id__isnull=True),
                name="ledger_account_uniq_ownerless_purpose",
            ),
            models.CheckConstraint(
                condition=Q(debits_posted_fen__gte=0, credits_posted_fen__gte=0,
                            debits_pending_fen__gte=0, credits_pending_fen__gte=0),
                name="ledger_account_counters_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(allow_negative=True)
                | Q(credits_posted_fen__gte=F("debits_posted_fen") + F("debits_pending_fen")),
                name="ledger_account_available_non_negative",
            ),
        ]

    def __str__(self) -> str:
        owner = "" if self.owner_id is None else f":{self.owner_id}"
        return f"{self.owner_type}{owner}:{self.purpose}"

    @property
    def balance_fen(self) -> int:
        return self.credits_posted_fen - self.debits_posted_fen

    @property
    def available_fen(self) -> int:
        return self.balance_fen - self.debits_pending_fen


class Journal(ImmutableModel):
    """One balanced movement of money: its entries' debits equal its credits."""

    kind = models.CharField(_("kind"), max_length=50)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    # An idempotency key chosen by the caller ("order:42:settle"): posting twice is harmless.
    reference = models.CharField(_("reference"), max_length=150, unique=True, null=True,
                                 blank=True)
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    posted_at = models.DateTimeField(_("posted"), default=timezone.now, db_index=True)

    objects: ClassVar[models.Manager[Journal]] = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class Entry(ImmutableModel):
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="entries",
                                verbose_name=_("journal"))
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries",
                                verbose_name=_("account"))
    side = models.CharField(_("side"), max_length=6, choices=Side.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    objects: ClassVar[models.Manager[Entry]] = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("entry")
        verbose_name_plural = _("entries")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0),
                                   name="ledger_entry_amount_positive"),
            models.CheckConstraint(condition=Q(side__in=Side.values),
                                   name="ledger_entry_side_valid"),
        ]
        indexes = [models.Index(fields=["account", "id"], name="ledger_entry_account_idx")]

    def __str__(self) -> str:
        return f"{self.side} {self.account_id} {self.amount_fen}"


class Hold(models.Model):
    """A two-phase transfer: money reserved now, then posted (fully or partly) or voided, once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        POSTED = "posted", _("Posted")
        VOIDED = "voided", _("Voided")

    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT,
                                      related_name="debit_holds",
                                      verbose_name=_("debit account"))
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT,
                                       related_name="credit_holds",
                                       verbose_name=_("credit account"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    posted_amount_fen = models.BigIntegerField(_("posted amount (fen)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    kind = models.CharField(_("kind"), max_length=50)
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    reference = models.CharField(_("reference"), max_length=150, unique=True, null=True,
                                 blank=True)
    journal = models.OneToOneField(Journal, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="hold", verbose_name=_("posted journal"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        ordering = ["-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0),
                                   name="ledger_hold_amount_positive"),
            models.CheckConstraint(condition=~Q(debit_account=F("credit_account")),
                                   name="ledger_hold_accounts_differ"),
            # The status says how it ended; the other columns must agree with it.
            models.CheckConstraint(
                condition=Q(status="pending", resolved_at__isnull=True, journal__isnull=True,
                            posted_amount_fen__isnull=True)
                | Q(status="voided", resolved_at__isnull=False, journal__isnull=True,
                    posted_amount_fen__isnull=True)
                | Q(status="posted", resolved_at__isnull=False, journal__isnull=False,
                    posted_amount_fen__gt=0, posted_amount_fen__lte=F("amount_fen")),
                name="ledger_hold_status_consistent",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="ledger_hold_status_idx")]

    def __str__(self) -> str:
        return f"hold #{self.pk} {self.status} {self.amount_fen}"
