"""Shares, visits, bindings and sales figures are written by the sharing services and event
handlers only. The one sharing policy is edited here, but saved through
``services.policy_update``, which checks it and records who changed it."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trustmart.accounts.selectors import is_operator
from trustmart.core.admin import ReadOnlyAdmin

from . import services
from .models import Binding, Share, ShareSale, SharingPolicy, Visit


@admin.register(SharingPolicy)
class SharingPolicyAdmin(admin.ModelAdmin):
    list_display = ("binding_mode", "binding_days", "updated_at", "updated_by")
    fields = ("binding_mode", "binding_days", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the one row exists from the first read (services.policy_get)

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        # The service takes operators only; anyone else sees the policy read-only.
        return is_operator(request.user)

    def save_model(self, request: HttpRequest, obj: SharingPolicy, form: Any,
                   change: bool) -> None:
        """The form checked the fields against the model's constraints; the service checks
        them again, saves and records who changed the policy."""
        saved = services.policy_update(operator=request.user,  # type: ignore[arg-type]
                                       binding_mode=obj.binding_mode,
                                       binding_days=obj.binding_days)
        obj.pk, obj.updated_by_id, obj.updated_at = saved.pk, saved.updated_by_id, saved.updated_at


@admin.register(Share)
class ShareAdmin(ReadOnlyAdmin):
    list_display = ("code", "sharer", "target", "channel", "depth", "created_at")
    list_filter = ("channel", "target")
    search_fields = ("code", "sharer__nickname", "sharer__mobile")


@admin.register(Binding)
class BindingAdmin(ReadOnlyAdmin):
    list_display = ("buyer", "sharer", "bound_at", "expires_at")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("share", "channel", "visitor", "counted", "created_at")


@admin.register(ShareSale)
class ShareSaleAdmin(ReadOnlyAdmin):
    list_display = ("share", "line_id", "order_no", "paid_fen", "refunded_fen", "created_at")
