"""Money out: payout accounts their owners set up and prove, and payouts to them.

A payout pays a withdrawal (a store owner's commission, a merchant's payable, a buyer's wallet)
to a real account: WeChat Pay 零钱 (商家转账), an Alipay account (单笔转账), or a bank account
paid by hand in a batch an operator confirms. The money is held in the ledger while the payout
is on its way (source → external_payout) and the hold is posted when it succeeded or voided
when it failed, so a failed payout gives the money back to the balance it came from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

PAYOUT_NO_PREFIX = "TMPO"


class PayoutAccount(models.Model):
    """Where an owner's money goes. ``owner_type`` user (a store owner, a buyer) or merchant.

    Ownership is proven per kind: a WeChat account is the acting user's own openid, learned
    from WeChat; an Alipay account is confirmed by its owner with the real name Alipay checks on
    every transfer; a bank account waits for an operator to verify it."""

    class Kind(models.TextChoices):
        WECHAT = "wechat", _("WeChat Pay balance (零钱)")
        ALIPAY = "alipay", _("Alipay account")
        BANK = "bank", _("Bank account")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")
        REMOVED = "removed", _("Removed")

    ACTIVE_STATUSES = (Status.PENDING, Status.VERIFIED)

    owner_type = models.CharField(max_length=10)
    owner_id = models.BigIntegerField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="payout_accounts")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    appid = models.CharField(max_length=32, blank=True)
    openid = models.CharField(max_length=64, blank=True)
    alipay_login_id = models.CharField(max_length=100, blank=True)
    real_name = models.CharField(max_length=60, blank=True)
    bank_name = models.CharField(max_length=60, blank=True)
    bank_branch = models.CharField(max_length=100, blank=True)
    bank_account_no = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    note = models.CharField(max_length=200, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payout account")
        verbose_name_plural = _("payout accounts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner_type", "owner_id", "kind"],
                                    condition=Q(status__in=["pending", "verified"]),
                                    name="payout_account_one_active_per_kind"),
        ]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="payout_account_owner")]

    def __str__(self) -> str:
        return f"{self.owner_type}:{self.owner_id} {self.kind} {self.masked}"

    @property
    def masked(self) -> str:
        """What the owner and operators see of the account: never the whole number."""
        if self.kind == self.Kind.WECHAT:
            return f"{self.real_name or '微信'} · {self.openid[:4]}…{self.openid[-4:]}"
        if self.kind == self.Kind.ALIPAY:
            login = self.alipay_login_id
            head, at, domain = login.partition("@")
            shown = f"{head[:3]}***{at}{domain}" if at else f"{login[:3]}****{login[-4:]}"
            return f"{self.real_name} · {shown}"
        return f"{self.real_name} · {self.bank_name} ****{self.bank_account_no[-4:]}"


class PayoutBatch(models.Model):
    """Bank payouts an operator exported to pay by hand, then marks paid or failed one by one."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    count = models.PositiveIntegerField(default=0)
    total_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("bank payout batch")
        verbose_name_plural = _("bank payout batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.count})"


class Payout(models.Model):
    """One withdrawal paid out. ``reference`` names the withdrawal (unique: a retried request
    pays once); the provider's number for it is ``payout_no``, derived from the id."""

    class Source(models.TextChoices):
        COMMISSION = "commission", _("Commission withdrawal")
        MERCHANT_PAYABLE = "merchant_payable", _("Merchant payable withdrawal")
        WALLET = "wallet", _("Wallet withdrawal")

    class Status(models.TextChoices):
        PENDING = "pending", _("Being sent")
        PROCESSING = "processing", _("On its way")
        SUCCEEDED = "succeeded", _("Paid out")
        FAILED = "failed", _("Failed, money returned")

    OPEN_STATUSES = (Status.PENDING, Status.PROCESSING)

    owner_type = models.CharField(max_length=10)
    owner_id = models.BigIntegerField()
    source = models.CharField(max_length=20, choices=Source.choices)
    reference = models.CharField(max_length=100, unique=True)
    account = models.ForeignKey(PayoutAccount, on_delete=models.PROTECT, related_name="payouts")
    # wechatpay, alipay, sandbox, or manual (a bank transfer an operator makes).
    provider = models.CharField(max_length=20)
    amount_fen = models.BigIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    hold_id = models.BigIntegerField()
    provider_bill_id = models.CharField(max_length=64, blank=True)
    # WeChat's package_info while the receiver has to confirm in WeChat (WAIT_USER_CONFIRM).
    package_info = models.TextField(blank=True)
    remark = models.CharField(max_length=60, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Whoever sends the payout to the provider holds it until then (two jobs never both send).
    claimed_until = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="payouts")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_amount_positive"),
        ]
        indexes = [models.Index(fields=["owner_type", "owner_id", "-created_at"],
                                name="payout_owner_idx"),
                   models.Index(fields=["status", "updated_at"], name="payout_open_idx",
                                condition=Q(status__in=["pending", "processing"]))]

    def __str__(self) -> str:
        return f"{self.payout_no} {self.amount_fen} ({self.status})"

    @property
    def payout_no(self) -> str:
        """Our number for the payout at the provider (WeChat out_bill_no, Alipay out_biz_no):
        letters and digits only, from the id, so one payout is one transfer."""
        return f"{PAYOUT_NO_PREFIX}{self.pk:012d}"

    @staticmethod
    def pk_of(payout_no: str) -> int | None:
        digits = payout_no.removeprefix(PAYOUT_NO_PREFIX)
        return int(digits) if payout_no.startswith(PAYOUT_NO_PREFIX) and digits.isdigit() \
            else None
