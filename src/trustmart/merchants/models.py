"""Merchants: applications and their review, the merchant itself, its staff and status history.

Only vetted brands and suppliers sell. A user applies with company papers; an operator approves
or rejects with a reason (every decision is kept); an approved merchant must hold at least its
required guarantee deposit in the ledger before it may list products.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from trustmart.core.storage import private_storage


def licence_upload_to(instance: MerchantApplication, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    return f"merchant-papers/{instance.applicant_id}/{uuid.uuid4().hex}.{suffix}"


class MerchantApplication(models.Model):
    """入驻申请: what a user submits to become a merchant."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="merchant_applications")
    company_name = models.CharField(_("company name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_mobile = models.CharField(_("contact mobile"), max_length=11)
    brand_name = models.CharField(_("brand name"), max_length=50)
    main_categories = models.ManyToManyField("catalog.Category", related_name="+",
                                             verbose_name=_("main categories"))
    # Private: served only to the applicant, its merchant's staff and operators.
    business_licence = models.FileField(_("business licence"), upload_to=licence_upload_to,
                                        storage=private_storage)
    brand_authorisation = models.FileField(_("brand authorisation"), upload_to=licence_upload_to,
                                           storage=private_storage)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("merchant application")
        verbose_name_plural = _("merchant applications")
        ordering = ["-submitted_at"]
        constraints = [
            # One open application per user and per company at a time.
            models.UniqueConstraint(fields=["applicant"], condition=Q(status="pending"),
                                    name="one_pending_application_per_user"),
            models.UniqueConstraint(fields=["credit_code"], condition=Q(status="pending"),
                                    name="one_pending_application_per_company"),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.get_status_display()})"


class ApplicationDecision(models.Model):
    """Who decided what about an application, when and why. Never edited, only added."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")

    application = models.ForeignKey(MerchantApplication, on_delete=models.CASCADE,
                                    related_name="decisions")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("application decision")
        verbose_name_plural = _("application decisions")
        ordering = ["decided_at"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.decision}"


class Merchant(models.Model):
    """商家: a vetted brand or supplier. Lists products, ships every order, holds a deposit."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        CLOSED = "closed", _("Closed")

    class SuspensionKind(models.TextChoices):
        NONE = "", _("Not suspended")
        OPERATOR = "operator", _("Suspended by an operator")
        DEPOSIT = "deposit", _("Deposit below the minimum")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="owned_merchants")
    application = models.OneToOneField(MerchantApplication, on_delete=models.PROTECT,
                                       related_name="merchant")
    name = models.CharField(_("brand name"), max_length=50)
    company_name = models.CharField(_("company name"), max_length=100)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    logo = models.ImageField(_("logo"), upload_to="merchant-logos/", blank=True)
    introduction = models.TextField(_("introduction"), blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE,
                              db_index=True)
    status_reason = models.TextField(blank=True)
    # Why the merchant is suspended, for machines: a deposit suspension ends by itself when the
    # deposit is topped up again; an operator's suspension only by an operator.
    suspension_kind = models.CharField(max_length=16, choices=SuspensionKind.choices,
                                       blank=True, default="")
    # Set by the platform from the main categories at approval; a merchant may list only while
    # its deposit balance in the ledger is at least this much (``deposit_ok``).
    deposit_required_fen = models.BigIntegerField(_("required deposit (fen)"), default=0)
    deposit_ok = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        constraints = [
            models.CheckConstraint(condition=Q(deposit_required_fen__gte=0),
                                   name="merchant_deposit_required_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def can_sell(self) -> bool:
        return self.status == self.Status.ACTIVE and self.deposit_ok


class MerchantStaff(models.Model):
    """A user who acts for a merchant. The owner is staff too, with the owner role."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")
        # A third-party app's own user (developers app): acts for this merchant only, is not
        # listed among the people and is removed only by revoking the app.
        APP = "app", _("Connected app")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="merchant_memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.STAFF)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant staff")
        verbose_name_plural = _("merchant staff")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "user"], name="uniq_merchant_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}:{self.user_id} ({self.role})"


class StaffInvitation(models.Model):
    """The owner invites a user by mobile number; the invitee accepts or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REVOKED = "revoked", _("Revoked")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    mobile = models.CharField(max_length=11)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                   related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "mobile"], condition=Q(status="pending"),
                                    name="one_pending_invitation"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} → {self.mobile}"


class MerchantStatusChange(models.Model):
    """The status history: suspensions and reinstatements with who, when and why."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE,
                                 related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=Merchant.Status.choices)
    to_status = models.CharField(max_length=16, choices=Merchant.Status.choices)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("merchant status change")
        verbose_name_plural = _("merchant status changes")
        ordering = ["changed_at"]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.from_status} → {self.to_status}"
