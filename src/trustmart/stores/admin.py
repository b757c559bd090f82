from __future__ import annotations

from django.contrib import admin

from .models import Store, StoreItem


class StoreItemInline(admin.TabularInline):
    model = StoreItem
    extra = 0
    raw_id_fields = ("product",)
    readonly_fields = ("added_at",)


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "owner__mobile", "owner__nickname")
    raw_id_fields = ("owner",)
    readonly_fields = ("created_at",)
    inlines = [StoreItemInline]
