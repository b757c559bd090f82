from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Binding, Share, ShareSale, SharingPolicy, Visit


@admin.register(SharingPolicy)
class SharingPolicyAdmin(admin.ModelAdmin):
    list_display = ("binding_mode", "binding_days", "updated_at", "updated_by")
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SharingPolicy.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: object | None = None) -> bool:
        return False


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    list_display = ("code", "sharer", "target", "channel", "depth", "created_at")
    list_filter = ("channel", "target")
    search_fields = ("code", "sharer__nickname", "sharer__mobile")
    raw_id_fields = ("sharer", "product", "store", "parent", "root")


@admin.register(Binding)
class BindingAdmin(admin.ModelAdmin):
    list_display = ("buyer", "sharer", "bound_at", "expires_at")
    raw_id_fields = ("buyer", "sharer", "share")


admin.site.register(Visit)
admin.site.register(ShareSale)
