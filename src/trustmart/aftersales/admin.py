"""Read-only views of cases for the admin: every change goes through the services (and the
H5/API pages for operators), so the admin never moves a case or money by itself."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Case, CaseEvent, CaseImage, CaseMessage, DebtRepayment, MerchantDebt


class CaseEventInline(ReadOnlyTabularInline):
    model = CaseEvent
    fields = ("kind", "from_status", "to_status", "actor", "role", "note", "amount_fen",
              "created_at")


class CaseMessageInline(ReadOnlyTabularInline):
    model = CaseMessage
    fields = ("author", "role", "text", "created_at")


class CaseImageInline(ReadOnlyTabularInline):
    """Evidence opens through the access-checked view, never a media URL."""

    model = CaseImage
    fields = ("evidence", "role", "uploaded_by", "created_at")
    readonly_fields = fields

    @admin.display(description=_("evidence image"))
    def evidence(self, obj: CaseImage) -> str:
        return format_html('<a href="{}">#{}</a>',
                           reverse("aftersales:image", args=[obj.pk]), obj.pk)


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("case_no", "kind", "status", "outcome", "requested_fen", "refund_fen",
                    "compensation_fen", "merchant", "created_at")
    list_filter = ("status", "kind", "outcome")
    search_fields = ("case_no", "order__order_no", "buyer__mobile")
    inlines = [CaseEventInline, CaseMessageInline, CaseImageInline]


@admin.register(MerchantDebt)
class MerchantDebtAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "case", "amount_fen", "repaid_fen", "created_at")
    search_fields = ("merchant__name", "case__case_no")


@admin.register(DebtRepayment)
class DebtRepaymentAdmin(ReadOnlyAdmin):
    list_display = ("debt", "source", "amount_fen", "created_at")
    list_filter = ("source",)
