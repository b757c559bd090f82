"""Row locks of stores: the owner's store row (one per owner)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Store


def stores_locked(qs: QuerySet[Store]) -> QuerySet[Store]:
    return qs.select_for_update()
