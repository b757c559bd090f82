"""Reviews and credit records are written by the reviews services and event handlers only:
credit is public and must follow from what happened, so the admin shows and never edits."""

from __future__ import annotations

from django.contrib import admin

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import CreditFact, CreditRecord, Review, ReviewImage, ReviewReport


class ReviewImageInline(ReadOnlyTabularInline):
    model = ReviewImage


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("pk", "product", "buyer", "rating", "is_default", "counts", "hidden_at",
                    "created_at")
    list_filter = ("rating", "is_default", "counts")
    search_fields = ("text", "buyer__mobile", "buyer__nickname", "order__order_no")
    inlines = [ReviewImageInline]


@admin.register(ReviewReport)
class ReviewReportAdmin(ReadOnlyAdmin):
    list_display = ("review", "reporter", "reason", "status", "created_at")
    list_filter = ("status",)


@admin.register(CreditRecord)
class CreditRecordAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "level", "points", "good_total", "bad_total",
                    "completed", "cases_opened", "counterfeits")
    list_filter = ("subject_type", "level")


@admin.register(CreditFact)
class CreditFactAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "kind", "key", "value", "occurred_at")
    list_filter = ("subject_type", "kind")
    search_fields = ("key",)
