"""Stores open, close and pick products through the stores services only."""

from __future__ import annotations

from django.contrib import admin

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Store, StoreItem


class StoreItemInline(ReadOnlyTabularInline):
    model = StoreItem


@admin.register(Store)
class StoreAdmin(ReadOnlyAdmin):
    list_display = ("name", "owner", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "owner__mobile", "owner__nickname")
    inlines = [StoreItemInline]
