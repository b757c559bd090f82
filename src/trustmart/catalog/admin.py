"""The catalog in the Django admin: categories are edited here (the platform sets their deposit
and traceability rules); products, reviews and revisions are shown read-only, because every
change to them goes through the services (the H5 console and /ops/products/)."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

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


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent", "position", "deposit_fen",
                    "requires_production_licence", "requires_batches", "is_active")
    list_filter = ("parent", "is_active", "requires_production_licence", "requires_batches")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}


class SkuInline(ReadOnlyTabularInline):
    model = Sku
    fields = ("spec_key", "price_fen", "stock", "barcode", "is_active")


class ImageInline(ReadOnlyTabularInline):
    model = ProductImage
    fields = ("image", "position", "pending")


class BatchInline(ReadOnlyTabularInline):
    model = Batch
    fields = ("batch_no", "production_date", "shelf_life_days", "expires_on", "quantity")


class CertificateInline(ReadOnlyTabularInline):
    """The file opens through the certificate view (attachment, no sniffing), not /media/."""

    model = Certificate
    fields = ("name", "issued_by", "valid_until", "document", "pending")
    readonly_fields = ("document",)

    @admin.display(description=_("file"))
    def document(self, obj: Certificate) -> str:
        return format_html('<a href="{}">{}</a>',
                           reverse("catalog:certificate_file", args=[obj.pk]), obj.name)


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ("name", "merchant", "category", "status", "price_fen", "commission_bps",
                    "sales_count", "updated_at")
    list_filter = ("status", "category")
    search_fields = ("name", "brand", "merchant__name")
    list_select_related = ("merchant", "category")
    inlines = [SkuInline, ImageInline, BatchInline, CertificateInline]


@admin.register(ProductReview)
class ProductReviewAdmin(ReadOnlyAdmin):
    list_display = ("product", "decision", "operator", "reason", "decided_at")
    list_filter = ("decision",)
    raw_id_fields = ("product", "revision", "operator")


@admin.register(ProductRevision)
class ProductRevisionAdmin(ReadOnlyAdmin):
    list_display = ("product", "status", "submitted_by", "submitted_at")
    list_filter = ("status",)


@admin.register(CommissionBounds)
class CommissionBoundsAdmin(ReadOnlyAdmin):
    """Set on /ops/commission/ (checked by ``commission_bounds_set``)."""

    list_display = ("min_bps", "max_bps", "updated_at")
