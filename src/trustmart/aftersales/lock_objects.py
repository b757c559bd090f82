"""Row locks of aftersales: a case (the case row only), a merchant's open debts in
primary-key order; the ledger accounts they move money between go through
``ledger.lock_objects.accounts_lock`` first (see docs/architecture.md)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Case, MerchantDebt


def cases_locked(qs: QuerySet[Case]) -> QuerySet[Case]:
    """``qs`` with its case rows locked (not the joined order, line or merchant rows)."""
    return qs.select_for_update(of=("self",))


def open_debts_lock(merchant_id: int) -> list[MerchantDebt]:
    """The merchant's open debts, locked in primary-key order, oldest first."""
    return sorted(MerchantDebt.objects.select_for_update()
                  .filter(merchant_id=merchant_id, repaid_at__isnull=True).order_by("pk"),
                  key=lambda d: (d.created_at, d.pk))
