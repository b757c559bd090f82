"""Read-only payments admin: operators look; only providers' callbacks change a payment."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from trustmart.accounts.selectors import is_operator
from trustmart.core.admin import ReadOnlyAdmin as BaseReadOnlyAdmin
from trustmart.core.errors import DomainError
from trustmart.core.money import format_fen

from .models import (
    CallbackLog,
    Payment,
    Payout,
    PayoutAccount,
    PayoutBatch,
    PlatformCertificate,
    ReconciliationDifference,
    ReconciliationRun,
    Refund,
    SandboxRecord,
    WechatOpenid,
)
from .services import refund_retry


class ReadOnlyAdmin(BaseReadOnlyAdmin):
    """Operators (not only superusers) may look; nobody edits."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_operator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_operator(request.user)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("payment_no", "purpose", "reference", "amount", "provider", "status",
                    "payer", "created_at", "paid_at")
    list_filter = ("status", "purpose", "provider")
    search_fields = ("=payment_no", "=provider_txn_id", "reference", "payer__mobile")
    list_select_related = ("payer",)
    date_hierarchy = "created_at"

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, obj: Payment) -> str:
        return format_fen(obj.amount_fen)


@admin.register(CallbackLog)
class CallbackLogAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "kind", "payment_no", "provider_txn_id",
                    "outcome", "detail")
    list_filter = ("outcome", "kind", "provider")
    search_fields = ("=payment_no", "=provider_txn_id", "detail")
    date_hierarchy = "received_at"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("refund_no", "payment", "reason", "reference", "amount", "status",
                    "provider_refund_id", "created_at", "refunded_at", "last_error")
    list_filter = ("status", "reason")
    search_fields = ("=refund_no", "=payment__payment_no", "reference")
    list_select_related = ("payment",)
    date_hierarchy = "created_at"
    actions = ("retry",)

    @admin.display(description=_("amount"), ordering="amount_fen")
    def amount(self, obj: Refund) -> str:
        return format_fen(obj.amount_fen)

    @admin.action(description=_("Try the selected failed refunds again"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Refund]) -> None:
        done = 0
        for refund in queryset.filter(status=Refund.Status.FAILED):
            try:
                refund_retry(user=request.user, refund_no=refund.refund_no)
            except DomainError as exc:
                self.message_user(request, f"{refund.refund_no}: {exc.message}",
                                  messages.ERROR)
            else:
                done += 1
        self.message_user(request, ngettext("%(count)s refund is being tried again.",
                                            "%(count)s refunds are being tried again.",
                                            done) % {"count": done}, messages.SUCCESS)


@admin.register(PlatformCertificate)
class PlatformCertificateAdmin(ReadOnlyAdmin):
    list_display = ("serial", "effective_at", "expires_at", "fetched_at")
    search_fields = ("=serial",)


@admin.register(PayoutAccount)
class PayoutAccountAdmin(ReadOnlyAdmin):
    list_display = ("owner_type", "owner_id", "kind", "masked", "status", "verified_at",
                    "created_at")
    list_filter = ("status", "kind", "owner_type")
    search_fields = ("=owner_id", "real_name", "=alipay_login_id", "=openid")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("payout_no", "owner_type", "owner_id", "source", "amount", "provider",
                    "status", "attempts", "created_at", "finished_at", "last_error")
    list_filter = ("status", "source", "provider")
    search_fields = ("=reference", "=owner_id", "=provider_bill_id")
    list_select_related = ("account",)
    date_hierarchy = "created_at"
    amount = PaymentAdmin.amount


@admin.register(PayoutBatch)
class PayoutBatchAdmin(ReadOnlyAdmin):
    list_display = ("pk", "created_by", "created_at", "count", "total_fen")


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ("bill_date", "provider", "status", "bill_lines", "matched", "differences",
                    "error", "finished_at")
    list_filter = ("status", "provider")


@admin.register(ReconciliationDifference)
class ReconciliationDifferenceAdmin(ReadOnlyAdmin):
    """Resolving (with a note) is on the operators' page /ops/reconciliation/."""

    list_display = ("run", "kind", "record", "number", "our_amount_fen", "their_amount_fen",
                    "our_status", "their_status", "fix", "resolved_at", "note")
    list_filter = ("kind", "record", "run__provider")
    search_fields = ("=number", "=provider_id")
    list_select_related = ("run",)


@admin.register(WechatOpenid)
class WechatOpenidAdmin(ReadOnlyAdmin):
    list_display = ("user", "appid", "openid", "updated_at")
    search_fields = ("=openid", "user__mobile")


@admin.register(SandboxRecord)
class SandboxRecordAdmin(ReadOnlyAdmin):
    list_display = ("kind", "number", "provider_id", "amount_fen", "state", "finished_at")
    list_filter = ("kind", "state")
