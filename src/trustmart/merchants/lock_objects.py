"""Row locks of merchants: the merchant row, taken before its ledger accounts."""

from __future__ import annotations

from .models import Merchant


def merchant_lock(merchant_id: int) -> Merchant | None:
    return Merchant.objects.select_for_update().filter(pk=merchant_id).first()
