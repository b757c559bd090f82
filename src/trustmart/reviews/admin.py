from __future__ import annotations

from django.contrib import admin

from .models import CreditFact, CreditRecord, Review, ReviewImage, ReviewReport


class ReviewImageInline(admin.TabularInline):
    model = ReviewImage
    extra = 0


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("pk", "product", "buyer", "rating", "is_default", "counts", "hidden_at",
                    "created_at")
    list_filter = ("rating", "is_default", "counts")
    search_fields = ("text", "buyer__mobile", "buyer__nickname", "order__order_no")
    raw_id_fields = ("line", "order", "product", "merchant", "store", "buyer", "reply_by",
                     "hidden_by")
    inlines = [ReviewImageInline]


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    list_display = ("review", "reporter", "reason", "status", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("review", "reporter", "handled_by")


@admin.register(CreditRecord)
class CreditRecordAdmin(admin.ModelAdmin):
    list_display = ("subject_type", "subject_id", "level", "points", "good_total", "bad_total",
                    "completed", "cases_opened", "counterfeits")
    list_filter = ("subject_type", "level")
    readonly_fields = [f.name for f in CreditRecord._meta.fields]


@admin.register(CreditFact)
class CreditFactAdmin(admin.ModelAdmin):
    list_display = ("subject_type", "subject_id", "kind", "key", "value", "occurred_at")
    list_filter = ("subject_type", "kind")
    search_fields = ("key",)
