"""Read-only admin: commissions move money, so every change goes through the services (the
operator's review queue and policy page), never through an admin form."""

from __future__ import annotations

from django.contrib import admin

from trustmart.core.admin import ReadOnlyAdmin

from .models import Commission, CommissionPolicy, CommissionWithdrawal


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "level", "earner", "amount_fen", "status", "review_status",
                    "created_at")
    list_filter = ("status", "review_status", "level")
    search_fields = ("order_no", "earner__mobile", "earner__nickname", "share_code")


@admin.register(CommissionPolicy)
class CommissionPolicyAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "changed_by", "level2_enabled", "level2_bps", "max_total_bps",
                    "allow_self_purchase", "note")


@admin.register(CommissionWithdrawal)
class CommissionWithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("user", "amount_fen", "request_id", "created_at")
    search_fields = ("user__mobile", "request_id")
