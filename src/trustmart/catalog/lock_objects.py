"""Row locks of the catalog: a product row (never the joined category rows), then its pending
revision; the single commission-bounds row. SKU stock never takes a lock: it changes by a
conditional UPDATE (see docs/architecture.md)."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import CommissionBounds, Product, ProductRevision


def products_locked(qs: QuerySet[Product]) -> QuerySet[Product]:
    """``qs`` with its product rows locked, not the rows it joins."""
    return qs.select_for_update(of=("self",))


def pending_revision_lock(product: Product) -> ProductRevision | None:
    return (ProductRevision.objects.select_for_update()
            .filter(product=product, status=ProductRevision.Status.PENDING).first())


def commission_bounds_lock() -> CommissionBounds | None:
    return CommissionBounds.objects.select_for_update().order_by("pk").first()
