"""Reads for the merchant console (through ``merchant_for_staff``) and for operators (404 for
anyone else)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import NotFound
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_for_staff, merchants_of_user

from ..models import (
    Category,
    Certificate,
    Product,
    ProductImage,
    ProductReview,
    ProductRevision,
    Sku,
)
from .pages import ProductPage, _page_qs, main_image_subquery, product_page_of
from .rules import _product_not_found

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User


# --- merchant side ------------------------------------------------------------------------
def products_of_merchant(*, user: User | AnonymousUser, merchant_id: int,
                         status: str | None = None) -> QuerySet[Product]:
    """The merchant's products (any status) for its staff, newest first."""
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    qs = Product.objects.filter(merchant=merchant).select_related("category").annotate(
        main_image=main_image_subquery()).order_by("-updated_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    return qs


def merchant_status_counts(*, user: User | AnonymousUser, merchant_id: int) -> dict[str, int]:
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    counts = {s: 0 for s in Product.Status.values}
    for status in Product.objects.filter(merchant=merchant).values_list("status", flat=True):
        counts[status] += 1
    return counts


def default_merchant_of(*, user: User | AnonymousUser) -> Merchant | None:
    return merchants_of_user(user=user).first()


def product_for_staff(*, user: User | AnonymousUser, product_id: int) -> ProductPage:
    """One product with everything (including pending uploads) for its merchant's staff."""
    product = _page_qs(with_pending=True).filter(pk=product_id).first()
    if product is None or not user.is_authenticated:
        raise _product_not_found()
    try:
        merchant_for_staff(user=user, merchant_id=product.merchant_id)
    except NotFound as exc:
        raise _product_not_found() from exc
    return product_page_of(product)


def sku_for_staff(*, user: User | AnonymousUser, sku_id: int) -> Sku:
    sku = Sku.objects.filter(pk=sku_id).first()
    if sku is None or not user.is_authenticated:
        raise NotFound(_("This SKU does not exist."), code="sku_not_found")
    try:
        merchant_for_staff(user=user, merchant_id=Product.objects.only("merchant_id").get(
            pk=sku.product_id).merchant_id)
    except NotFound as exc:
        raise NotFound(_("This SKU does not exist."), code="sku_not_found") from exc
    return sku


@dataclass(frozen=True)
class AttachmentsView:
    """A product's images (or certificates) as the merchant will have them after review:
    ``wanted`` in order, and ``removed`` (live ones its pending change drops)."""

    wanted: list[Any]
    removed: list[Any]


def attachments_for_staff(*, page: ProductPage, key: str,
                          revision: ProductRevision | None) -> AttachmentsView:
    rows = page.images if key == "images" else page.certificates
    by_id = {r.pk: r for r in rows}
    if revision is not None and key in revision.changes:
        wanted = [by_id[i] for i in revision.changes[key] if i in by_id]
        kept = {r.pk for r in wanted}
        return AttachmentsView(wanted=wanted,
                               removed=[r for r in rows if r.pk not in kept and not r.pending])
    return AttachmentsView(wanted=[r for r in rows if not r.pending], removed=[])


def product_reviews(*, product: Product) -> QuerySet[ProductReview]:
    return (ProductReview.objects.filter(product=product).select_related("operator")
            .order_by("-decided_at", "-pk"))


def revision_pending_of(*, product: Product) -> ProductRevision | None:
    return ProductRevision.objects.filter(product=product,
                                          status=ProductRevision.Status.PENDING).first()


# --- operator side ------------------------------------------------------------------------
def products_for_operator(*, user: User | AnonymousUser, status: str = Product.Status.PENDING,
                          query: str = "") -> QuerySet[Product]:
    """The review queue (pending, oldest first) or products of another status, newest first."""
    require_operator(user)
    qs = Product.objects.filter(status=status).select_related("merchant", "category").annotate(
        main_image=main_image_subquery())
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(brand__icontains=query)
                       | Q(merchant__name__icontains=query))
    if status == Product.Status.PENDING:
        return qs.order_by("updated_at", "pk")
    return qs.order_by("-updated_at", "-pk")


def revisions_pending(*, user: User | AnonymousUser) -> QuerySet[ProductRevision]:
    """Pending changes to live products, oldest first."""
    require_operator(user)
    return (ProductRevision.objects.filter(status=ProductRevision.Status.PENDING)
            .select_related("product", "product__merchant", "submitted_by")
            .order_by("submitted_at", "pk"))


def product_for_operator(*, user: User | AnonymousUser, product_id: int) -> ProductPage:
    """Any product with everything, pending uploads included, for operators."""
    require_operator(user)
    product = _page_qs().filter(pk=product_id).first()
    if product is None:
        raise _product_not_found()
    return product_page_of(product)


@dataclass(frozen=True)
class DiffRow:
    field: str
    label: str
    before: Any
    after: Any


def revision_for_operator(*, user: User | AnonymousUser, revision_id: int) -> ProductRevision:
    require_operator(user)
    revision = (ProductRevision.objects.select_related("product", "product__merchant",
                                                       "product__category", "submitted_by")
                .filter(pk=revision_id).first())
    if revision is None:
        raise NotFound(_("This change does not exist."), code="revision_not_found")
    return revision


FIELD_LABELS = {
    "name": _("name"), "subtitle": _("selling point"), "brand": _("brand"),
    "description": _("description"), "category_id": _("category"),
    "manufacturer": _("manufacturer"), "place_of_origin": _("place of origin"),
    "production_licence_no": _("production licence number"), "images": _("images"),
    "certificates": _("certificates"),
}


def revision_diff(*, revision: ProductRevision) -> list[DiffRow]:
    """Field by field, the live value and the proposed one. Categories come as objects, images
    and certificates as rows (in the proposed order)."""
    product = revision.product
    changes = revision.changes
    rows = []
    category_ids = [product.category_id, changes.get("category_id")]
    categories = Category.objects.in_bulk([c for c in category_ids if c])
    image_ids = set(changes.get("images", []))
    certificate_ids = set(changes.get("certificates", []))
    images = ProductImage.objects.filter(product=product).filter(
        Q(pending=False) | Q(pk__in=image_ids)).in_bulk()
    certificates = Certificate.objects.filter(product=product).filter(
        Q(pending=False) | Q(pk__in=certificate_ids)).in_bulk()
    for key, label in FIELD_LABELS.items():
        if key not in changes:
            continue
        if key == "category_id":
            before: Any = categories.get(product.category_id)
            after: Any = categories.get(changes[key])
        elif key in ("images", "certificates"):
            pool: dict[int, Any] = images if key == "images" else certificates
            live = sorted((r for r in pool.values() if not r.pending),
                          key=lambda r: (getattr(r, "position", 0), r.pk))
            before, after = live, [pool[i] for i in changes[key] if i in pool]
        else:
            before, after = getattr(product, key), changes[key]
        rows.append(DiffRow(field=key, label=str(label), before=before, after=after))
    return rows
