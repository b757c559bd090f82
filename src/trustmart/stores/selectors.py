"""Reads of microstores.

Every product a store shows goes through ``catalog.selectors.products_visible()``: when an
operator suspends a merchant (or its deposit runs short, or a product is taken down) the product
disappears from every store at once, and comes back on reinstatement, without touching any
store's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from trustmart.catalog.models import Category, Product
from trustmart.catalog.selectors import (
    category_by_slug,
    category_chain,
    product_card_qs,
    products_in_category,
    products_visible,
)
from trustmart.core.errors import NotFound

from .models import Store, StoreItem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User


def _store_not_found() -> NotFound:
    return NotFound(_("This store does not exist."), code="store_not_found")


# --- stores ------------------------------------------------------------------------------------
def store_of(*, owner: User | AnonymousUser) -> Store | None:
    """The user's own store, open or closed, or None."""
    if not owner.is_authenticated:
        return None
    return Store.objects.select_related("owner").filter(owner=owner).first()


def store_mine_get(*, owner: User | AnonymousUser) -> Store:
    store = store_of(owner=owner)
    if store is None:
        raise NotFound(_("You have not opened a store yet."), code="store_not_found")
    return store


def store_public_get(*, store_id: int) -> Store:
    """Any store by id, for everyone. A closed store is still found (its page says closed)."""
    store = Store.objects.select_related("owner").filter(pk=store_id,
                                                         owner__is_active=True).first()
    if store is None:
        raise _store_not_found()
    return store


# --- items -------------------------------------------------------------------------------------
def _in_store(products: QuerySet[Product], store: Store) -> QuerySet[Product]:
    """Product cards of ``store``, each annotated with its item's ``store_featured``,
    ``store_position``, ``store_added_at`` and ``in_store_id``, in display order: featured
    first, then the owner's order. One query (the annotations reuse the filter's join)."""
    return (products.filter(store_items__store=store)
            .annotate(store_featured=F("store_items__featured"),
                      store_position=F("store_items__position"),
                      store_added_at=F("store_items__added_at"),
                      in_store_id=F("store_items__store"))
            .order_by("-store_featured", "store_position", "-store_added_at", "pk"))


def store_products_shown(*, store: Store) -> QuerySet[Product]:
    """What the store shows a buyer: its visible products as cards. A closed store shows none."""
    if store.status != Store.Status.OPEN:
        return Product.objects.none()
    return store_products_managed(store=store)


def store_products_managed(*, store: Store) -> QuerySet[Product]:
    """What the owner manages: the visible products, also while the store is closed.

    Items whose product is hidden stay in the table (they return with the product) but are not
    listed; ``store_items_hidden_count`` tells the owner how many there are.
    """
    return _in_store(product_card_qs(), store)


def store_items_hidden_count(*, store: Store) -> int:
    return (StoreItem.objects.filter(store=store)
            .exclude(product_id__in=products_visible().values("pk")).count())


def store_product_get(*, store: Store, product_id: int) -> Product:
    """One visible product of ``store`` (the caller's own) as a card."""
    product = store_products_managed(store=store).filter(pk=product_id).first()
    if product is None:
        raise NotFound(_("This product is not in your store."), code="store_item_not_found")
    return product


def store_product_ids(*, owner: User | AnonymousUser) -> set[int]:
    """Ids of the products in the user's store, to draw add/remove buttons on many cards."""
    if not owner.is_authenticated:
        return set()
    return set(StoreItem.objects.filter(store__owner=owner).values_list("product_id", flat=True))


def product_url_in_store(*, product_id: int, store_id: int) -> str:
    """The product page, tagged with the store so that later the sale is attributed to it."""
    return f"{reverse('catalog:product', args=[product_id])}?store={store_id}"


# --- supply catalog (选品) ----------------------------------------------------------------------
def supply_categories() -> list[Category]:
    """Top-level categories with at least one visible product, in the platform's order."""
    used = set(products_visible().values_list("category_id", flat=True).distinct())
    tops = set()
    for category in Category.objects.filter(pk__in=used).select_related("parent__parent"):
        chain = category_chain(category)
        tops.add(chain[-1].pk)
    return list(Category.objects.filter(pk__in=tops, is_active=True).order_by("position", "pk"))


def supply_products(*, category: Category | None = None) -> QuerySet[Product]:
    """Visible product cards for store owners to pick from, best sellers first."""
    return products_in_category(category=category)


def supply_category_get(*, slug: str) -> Category | None:
    """The tab's category, or None for "all" (an unknown slug shows all, not an error page)."""
    if not slug:
        return None
    try:
        return category_by_slug(slug=slug)
    except NotFound:
        return None


# --- dashboard ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreStats:
    """The owner's tiles. Visits, orders and commission arrive with sharing, orders and
    commissions; until then they are truly zero, not placeholders."""

    visits: int = 0
    orders: int = 0
    pending_commission_fen: int = 0
    available_commission_fen: int = 0


def store_stats(*, store: Store) -> StoreStats:
    return StoreStats()
