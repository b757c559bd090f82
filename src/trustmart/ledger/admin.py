"""Read-only ledger admin: operators look, the services write.

Nothing here can add, change or delete a row: a wrong balance is corrected by a reversing
journal posted through ``services``, never by editing the books.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline
from trustmart.core.money import format_fen

from . import selectors
from .models import Account, Entry, Hold, Journal

STATEMENT_PAGE_SIZE = 50


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner_type", "owner_id", "purpose", "allow_negative", "balance",
                    "pending_debits", "available")
    list_filter = ("purpose", "owner_type", "allow_negative")
    search_fields = ("=owner_id", "=id")
    readonly_fields = ("owner_type", "owner_id", "purpose", "allow_negative", "balance",
                       "pending_debits", "pending_credits", "available", "debits_posted_fen",
                       "credits_posted_fen", "created_at")
    fields = readonly_fields
    change_form_template = "admin/ledger/account/change_form.html"

    @admin.display(description=_("balance"))
    def balance(self, obj: Account) -> str:
        return format_fen(obj.balance_fen)

    @admin.display(description=_("pending debits"))
    def pending_debits(self, obj: Account) -> str:
        return format_fen(obj.debits_pending_fen)

    @admin.display(description=_("pending credits"))
    def pending_credits(self, obj: Account) -> str:
        return format_fen(obj.credits_pending_fen)

    @admin.display(description=_("available"))
    def available(self, obj: Account) -> str:
        return format_fen(obj.available_fen)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """The account page shows its statement, newest first, with the running balance."""
        context = dict(extra_context or {})
        if object_id.isdigit():
            entries = selectors.account_statement(account=int(object_id), newest_first=True)
            page = Paginator(entries, STATEMENT_PAGE_SIZE).get_page(request.GET.get("page"))
            context["statement"] = page
            context["statement_rows"] = [
                {"entry": e, "amount": format_fen(e.signed_amount_fen),  # type: ignore[attr-defined]
                 "running": format_fen(e.running_balance_fen)}  # type: ignore[attr-defined]
                for e in page
            ]
        return super().change_view(request, object_id, form_url, extra_context=context)


class EntryInline(ReadOnlyTabularInline):
    model = Entry
    fields = ("account", "side", "amount")
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount(self, obj: Entry) -> str:
        return format_fen(obj.amount_fen)


@admin.register(Journal)
class JournalAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "reference", "memo", "posted_at")
    list_filter = ("kind",)
    search_fields = ("=reference", "=id")
    readonly_fields = ("kind", "reference", "memo", "reversal_of", "posted_at")
    fields = readonly_fields
    inlines = [EntryInline]
    date_hierarchy = "posted_at"


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "status", "debit_account", "credit_account", "amount",
                    "reference", "created_at", "resolved_at")
    list_filter = ("status", "kind")
    search_fields = ("=reference", "=id")
    readonly_fields = ("kind", "status", "debit_account", "credit_account", "amount_fen",
                       "posted_amount_fen", "reference", "memo", "journal", "created_at",
                       "resolved_at")
    fields = readonly_fields
    list_select_related = ("debit_account", "credit_account")

    @admin.display(description=_("amount"))
    def amount(self, obj: Hold) -> str:
        return format_fen(obj.amount_fen)
