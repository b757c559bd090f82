"""Read-only views of cases for the admin: every change goes through the services (and the
H5/API pages for operators), so the admin never moves a case or money by itself."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Case, CaseEvent, CaseMessage, MerchantDebt


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseEventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "from_status", "to_status", "actor", "role", "note", "amount_fen",
                       "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseMessageInline(admin.TabularInline):
    model = CaseMessage
    extra = 0
    can_delete = False
    readonly_fields = ("author", "role", "text", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(_ReadOnly):
    list_display = ("case_no", "kind", "status", "outcome", "requested_fen", "refund_fen",
                    "compensation_fen", "merchant", "created_at")
    list_filter = ("status", "kind", "outcome")
    search_fields = ("case_no", "order__order_no", "buyer__mobile")
    inlines = [CaseEventInline, CaseMessageInline]


@admin.register(MerchantDebt)
class MerchantDebtAdmin(_ReadOnly):
    list_display = ("merchant", "case", "amount_fen", "repaid_fen", "created_at")
    search_fields = ("merchant__name", "case__case_no")
