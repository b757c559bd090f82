"""Merchant admin: operators look here; everything is changed through the services.

Decisions and status changes need a reason and must not race, so they are made on the operator
pages (/merchant/ops/), which call the guarded services; the merchant's staff edit its
introduction and logo in the console (the logo is decoded and re-encoded there). Application
documents open through the access-checked document view, never a media URL.
"""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from trustmart.core.money import format_fen

from .models import (
    ApplicationDecision,
    Merchant,
    MerchantApplication,
    MerchantStaff,
    MerchantStatusChange,
    StaffInvitation,
)


class DecisionInline(ReadOnlyTabularInline):
    model = ApplicationDecision
    fields = ("decision", "reason", "operator", "decided_at")
    readonly_fields = fields


@admin.register(MerchantApplication)
class MerchantApplicationAdmin(ReadOnlyAdmin):
    list_display = ("brand_name", "company_name", "credit_code", "applicant", "status",
                    "submitted_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("brand_name", "company_name", "=credit_code", "=applicant__mobile")
    list_select_related = ("applicant",)
    readonly_fields = ("applicant", "company_name", "credit_code", "legal_representative",
                       "contact_name", "contact_mobile", "brand_name", "main_categories",
                       "licence_document", "authorisation_document", "status",
                       "submitted_at", "decided_at")
    fields = readonly_fields
    inlines = [DecisionInline]

    @staticmethod
    def _document_link(obj: MerchantApplication, kind: str) -> str:
        url = reverse("merchants:document", args=[obj.pk, kind])
        return format_html('<a href="{}">{}</a>', url, _("Open"))

    @admin.display(description=_("business licence"))
    def licence_document(self, obj: MerchantApplication) -> str:
        return self._document_link(obj, "business_licence")

    @admin.display(description=_("brand authorisation"))
    def authorisation_document(self, obj: MerchantApplication) -> str:
        return self._document_link(obj, "brand_authorisation")


@admin.register(ApplicationDecision)
class ApplicationDecisionAdmin(ReadOnlyAdmin):
    list_display = ("application", "decision", "operator", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("application", "operator")


class StaffInline(ReadOnlyTabularInline):
    model = MerchantStaff
    fk_name = "merchant"
    fields = ("user", "role", "added_by", "added_at")
    readonly_fields = fields


class StatusChangeInline(ReadOnlyTabularInline):
    model = MerchantStatusChange
    fields = ("from_status", "to_status", "reason", "changed_by", "changed_at")
    readonly_fields = fields


@admin.register(Merchant)
class MerchantAdmin(ReadOnlyAdmin):
    list_display = ("name", "company_name", "credit_code", "status", "deposit_required",
                    "deposit_ok", "created_at")
    list_filter = ("status", "deposit_ok", "suspension_kind")
    search_fields = ("name", "company_name", "=credit_code", "=owner__mobile")
    list_select_related = ("owner",)
    readonly_fields = ("name", "logo", "introduction", "owner", "application", "company_name",
                       "credit_code", "status", "status_reason", "suspension_kind",
                       "deposit_required", "deposit_ok", "created_at")
    fields = readonly_fields
    inlines = [StaffInline, StatusChangeInline]

    @admin.display(description=_("required deposit"))
    def deposit_required(self, obj: Merchant) -> str:
        return format_fen(obj.deposit_required_fen)


@admin.register(MerchantStaff)
class MerchantStaffAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "user", "role", "added_at")
    list_filter = ("role",)
    list_select_related = ("merchant", "user")


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "mobile", "status", "created_at", "answered_at")
    list_filter = ("status",)
    list_select_related = ("merchant",)


@admin.register(MerchantStatusChange)
class MerchantStatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    list_select_related = ("merchant", "changed_by")
