"""Row locks of sharing: a buyer's binding (锁客), one row per buyer."""

from __future__ import annotations

from .models import Binding


def binding_lock(buyer_id: int) -> Binding | None:
    return Binding.objects.select_for_update().filter(buyer_id=buyer_id).first()
