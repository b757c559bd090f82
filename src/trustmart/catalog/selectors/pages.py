"""Buyer-facing reads: cards and lists, the category tree, and the product page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import NotFound
from trustmart.merchants.models import Merchant

from ..models import (
    Batch,
    Category,
    Certificate,
    Product,
    ProductImage,
    Sku,
    SpecOption,
)
from .rules import (
    _fefo,
    _product_not_found,
    category_chain,
    product_is_visible,
    product_purchasable,
    products_visible,
    share_earning_fen,
)


# --- lists and cards ----------------------------------------------------------------------
def main_image_subquery(product_ref: str = "pk") -> Subquery:
    """The stored name of the first live image of the product that ``product_ref`` (a column
    of the outer query) names: annotate it as ``main_image`` for ``main_image_url``."""
    return Subquery(ProductImage.objects.filter(product=OuterRef(product_ref), pending=False)
                    .order_by("position", "pk").values("image")[:1])


def product_card_qs() -> QuerySet[Product]:
    """Visible products with what a card shows: merchant, category and ``main_image`` (the
    stored name of the first image, see ``main_image_url``), in one query."""
    return products_visible().select_related("merchant", "category").annotate(
        main_image=main_image_subquery())


def main_image_url(product: Product) -> str | None:
    """URL of a card's main image (annotated by ``product_card_qs``), or None."""
    name = getattr(product, "main_image", None)
    if not name:
        return None
    return str(ProductImage._meta.get_field("image").storage.url(name))


def categories_tree() -> list[Category]:
    """Active top-level categories in order, each with ``subcategories`` (active, in order)."""
    children = Category.objects.filter(is_active=True).order_by("position", "pk")
    return list(Category.objects.filter(parent__isnull=True, is_active=True)
                .order_by("position", "pk")
                .prefetch_related(Prefetch("children", queryset=children,
                                           to_attr="subcategories")))


def categories_for_listing(*, merchant: Merchant) -> list[Category]:
    """Active categories the merchant was approved for (its main categories and everything
    under them), top-level order first: what its product form offers."""
    allowed = set(merchant.application.main_categories.values_list("pk", flat=True))
    nodes = list(Category.objects.filter(is_active=True).select_related("parent",
                                                                        "parent__parent"))
    chosen = [c for c in nodes if allowed & {n.pk for n in category_chain(c)}]

    def order(c: Category) -> tuple[int, int, int, int]:
        top = category_chain(c)[-1]
        return (top.position, top.pk, 0 if c.parent is None else 1, c.position * 10**9 + c.pk)

    return sorted(chosen, key=order)


def subcategories_of(*, category: Category) -> list[Category]:
    return list(Category.objects.filter(parent=category, is_active=True)
                .order_by("position", "pk"))


def category_by_slug(*, slug: str) -> Category:
    category = Category.objects.select_related("parent").filter(slug=slug, is_active=True).first()
    if category is None:
        raise NotFound(_("This category does not exist."), code="category_not_found")
    return category


def products_in_category(*, category: Category | None, order: str = "default"
                         ) -> QuerySet[Product]:
    """Visible product cards of a category and its subcategories (all when None)."""
    qs = product_card_qs()
    if category is not None:
        qs = qs.filter(Q(category=category) | Q(category__parent=category)
                       | Q(category__parent__parent=category))
    orders = {"default": ("-sales_count", "-published_at", "-pk"),
              "newest": ("-published_at", "-pk"), "price": ("price_fen", "pk"),
              "price_desc": ("-price_fen", "-pk")}
    return qs.order_by(*orders.get(order, orders["default"]))


# --- the product page ---------------------------------------------------------------------
@dataclass
class ProductPage:
    """Everything the product page (H5 and API) shows, loaded in a fixed number of queries."""

    product: Product
    images: list[ProductImage]
    skus: list[Sku]
    options: list[SpecOption]
    batches: list[Batch]
    certificates: list[Certificate]
    current_batch: Batch | None
    purchasable: bool
    genuine: bool
    price_min_fen: int
    price_max_fen: int
    total_stock: int
    share_earning_fen: int
    extra: dict[str, Any] = field(default_factory=dict)


def _page_qs(qs: QuerySet[Product] | None = None, *,
             with_pending: bool = False) -> QuerySet[Product]:
    """Prefetches of the product page. ``with_pending`` adds uploads that wait for review.

    The prefetches are unordered (``order_by()``) and sorted in Python by ``product_page_of``:
    they are a handful of rows, and ordering is a measurable share of the ORM's work per page.
    """
    images = ProductImage.objects.order_by()
    certificates = Certificate.objects.order_by()
    if not with_pending:
        images, certificates = images.filter(pending=False), certificates.filter(pending=False)
    return (Product.objects.all() if qs is None else qs).select_related(
        "merchant", "category", "category__parent",
    ).prefetch_related(
        Prefetch("images", queryset=images, to_attr="live_images"),
        Prefetch("skus", queryset=Sku.objects.filter(is_active=True).order_by(),
                 to_attr="active_skus"),
        Prefetch("spec_options", queryset=SpecOption.objects.order_by(),
                 to_attr="ordered_options"),
        Prefetch("batches", queryset=Batch.objects.order_by(), to_attr="all_batches"),
        Prefetch("certificates", queryset=certificates, to_attr="live_certificates"),
    )


def product_page_of(product: Product) -> ProductPage:
    skus: list[Sku] = sorted(product.active_skus, key=lambda s: s.pk)  # type: ignore[attr-defined]
    prices = [s.price_fen for s in skus] or [0]
    visible = product_is_visible(product=product)
    batches: list[Batch] = sorted(product.all_batches,  # type: ignore[attr-defined]
                                  key=lambda b: (-b.production_date.toordinal(), b.pk))
    return ProductPage(
        product=product,
        images=sorted(product.live_images,  # type: ignore[attr-defined]
                      key=lambda i: (i.position, i.pk)),
        skus=skus,
        options=sorted(product.ordered_options,  # type: ignore[attr-defined]
                       key=lambda o: (o.position, o.pk)),
        batches=batches,
        certificates=sorted(product.live_certificates,  # type: ignore[attr-defined]
                            key=lambda c: c.pk),
        current_batch=_fefo(batches),
        purchasable=product_purchasable(product=product) and any(s.stock > 0 for s in skus),
        genuine=visible and product.merchant.deposit_ok,
        price_min_fen=min(prices), price_max_fen=max(prices),
        total_stock=sum(s.stock for s in skus),
        share_earning_fen=share_earning_fen(product=product),
    )


def product_page(*, product_id: int) -> ProductPage:
    """The buyer's product page: only for visible products (others are NotFound)."""
    product = _page_qs(products_visible()).filter(pk=product_id).first()
    if product is None:
        raise _product_not_found()
    return product_page_of(product)
