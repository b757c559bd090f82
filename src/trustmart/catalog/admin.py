"""The catalog in the Django admin: categories are edited here (the platform sets their deposit
and traceability rules); products, reviews and revisions are shown read-only, because every
change to them goes through the services (the H5 console and /ops/products/)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Batch,
    Category,
    Certificate,
    CommissionBounds,
    Product,
    ProductImage,
    ProductReview,
    ProductRevision,
    Sku,
)


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "position", "deposit_fen",
                    "requires_production_licence", "requires_batches", "is_active")
    list_filter = ("parent", "is_active", "requires_production_licence", "requires_batches")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


class SkuInline(ReadOnlyMixin, admin.TabularInline):
    model = Sku
    fields = ("spec_key", "price_fen", "stock", "barcode", "is_active")
    extra = 0


class ImageInline(ReadOnlyMixin, admin.TabularInline):
    model = ProductImage
    fields = ("image", "position", "pending")
    extra = 0


class BatchInline(ReadOnlyMixin, admin.TabularInline):
    model = Batch
    fields = ("batch_no", "production_date", "shelf_life_days", "expires_on", "quantity")
    extra = 0


class CertificateInline(ReadOnlyMixin, admin.TabularInline):
    model = Certificate
    fields = ("name", "issued_by", "valid_until", "file", "pending")
    extra = 0


@admin.register(Product)
class ProductAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "merchant", "category", "status", "price_fen", "commission_bps",
                    "sales_count", "updated_at")
    list_filter = ("status", "category")
    search_fields = ("name", "brand", "merchant__name")
    list_select_related = ("merchant", "category")
    inlines = [SkuInline, ImageInline, BatchInline, CertificateInline]


@admin.register(ProductReview)
class ProductReviewAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("product", "decision", "operator", "reason", "decided_at")
    list_filter = ("decision",)
    raw_id_fields = ("product", "revision", "operator")


@admin.register(ProductRevision)
class ProductRevisionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("product", "status", "submitted_by", "submitted_at")
    list_filter = ("status",)


@admin.register(CommissionBounds)
class CommissionBoundsAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Set on /ops/commission/ (checked by ``commission_bounds_set``)."""

    list_display = ("min_bps", "max_bps", "updated_at")
