"""Merchant admin: operators look here; decisions and status changes go through the services.

Only a merchant's presentation (name, logo, introduction) may be edited here. Decisions and
status changes need a reason and must not race, so they are made on the operator pages
(/merchant/ops/), which call the guarded services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trustmart.core.money import format_fen

from .models import (
    ApplicationDecision,
    Merchant,
    MerchantApplication,
    MerchantStaff,
    MerchantStatusChange,
    StaffInvitation,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DecisionInline(ReadOnlyMixin, admin.TabularInline):
    model = ApplicationDecision
    fields = ("decision", "reason", "operator", "decided_at")
    readonly_fields = fields
    extra = 0


@admin.register(MerchantApplication)
class MerchantApplicationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("brand_name", "company_name", "credit_code", "applicant", "status",
                    "submitted_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("brand_name", "company_name", "=credit_code", "=applicant__mobile")
    list_select_related = ("applicant",)
    readonly_fields = ("applicant", "company_name", "credit_code", "legal_representative",
                       "contact_name", "contact_mobile", "brand_name", "main_categories",
                       "business_licence", "brand_authorisation", "status", "submitted_at",
                       "decided_at")
    fields = readonly_fields
    inlines = [DecisionInline]


@admin.register(ApplicationDecision)
class ApplicationDecisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("application", "decision", "operator", "decided_at")
    list_filter = ("decision",)
    list_select_related = ("application", "operator")


class StaffInline(ReadOnlyMixin, admin.TabularInline):
    model = MerchantStaff
    fk_name = "merchant"
    fields = ("user", "role", "added_by", "added_at")
    readonly_fields = fields
    extra = 0


class StatusChangeInline(ReadOnlyMixin, admin.TabularInline):
    model = MerchantStatusChange
    fields = ("from_status", "to_status", "reason", "changed_by", "changed_at")
    readonly_fields = fields
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "company_name", "credit_code", "status", "deposit_required",
                    "deposit_ok", "created_at")
    list_filter = ("status", "deposit_ok", "suspension_kind")
    search_fields = ("name", "company_name", "=credit_code", "=owner__mobile")
    list_select_related = ("owner",)
    readonly_fields = ("owner", "application", "company_name", "credit_code", "status",
                       "status_reason", "suspension_kind", "deposit_required", "deposit_ok",
                       "created_at")
    fields = ("name", "logo", "introduction", *readonly_fields)
    inlines = [StaffInline, StatusChangeInline]

    @admin.display(description=_("required deposit"))
    def deposit_required(self, obj: Merchant) -> str:
        return format_fen(obj.deposit_required_fen)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # merchants come from approved applications only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MerchantStaff)
class MerchantStaffAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("merchant", "user", "role", "added_at")
    list_filter = ("role",)
    list_select_related = ("merchant", "user")


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("merchant", "mobile", "status", "created_at", "answered_at")
    list_filter = ("status",)
    list_select_related = ("merchant",)


@admin.register(MerchantStatusChange)
class MerchantStatusChangeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("merchant", "from_status", "to_status", "changed_by", "changed_at")
    list_filter = ("to_status",)
    list_select_related = ("merchant", "changed_by")
