"""Row locks of the ledger, always taken in primary-key order (see docs/architecture.md).

Accounts are locked before holds; every service that moves money locks the accounts its
journal touches first, through ``accounts_lock``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import NotFound

from .models import Account, Hold


def accounts_lock(ids: Iterable[int]) -> dict[int, Account]:
    """Lock accounts in primary-key order: the one rule that makes deadlocks impossible."""
    wanted = sorted(set(ids))
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=wanted)
              .order_by("pk")}
    if len(locked) != len(wanted):
        raise NotFound(_("This ledger account does not exist."))
    return locked


def hold_lock(hold_id: int) -> Hold:
    return Hold.objects.select_for_update().get(pk=hold_id)


def holds_lock(ids: Iterable[int]) -> list[Hold]:
    """Lock holds in primary-key order."""
    return list(Hold.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk"))
