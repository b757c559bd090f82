"""The rules every read shares: what buyers may see and buy, batches, category requirements,
completeness and commission."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import NotFound
from trustmart.core.money import Rounding, apply_bps
from trustmart.merchants.models import Merchant

from ..models import (
    Batch,
    Category,
    CommissionBounds,
    Product,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

DEFAULT_COMMISSION_BOUNDS = (100, 3000)
# The published ceiling on all commissions of a sale together (the commission rules page): no
# product's rate, and no policy's cap, may ever exceed it. Fixed in code, not a setting.
COMMISSION_CEILING_BPS = 5000


def _product_not_found() -> NotFound:
    return NotFound(_("This product does not exist."), code="product_not_found")


# --- the visibility rule ------------------------------------------------------------------
def products_visible() -> QuerySet[Product]:
    """Live products of active merchants with a paid deposit: what buyers may see and buy."""
    return Product.objects.filter(status=Product.Status.LIVE,
                                  merchant__status=Merchant.Status.ACTIVE,
                                  merchant__deposit_ok=True)


def product_is_visible(*, product: Product) -> bool:
    merchant = product.merchant
    return (product.status == Product.Status.LIVE and merchant.status == Merchant.Status.ACTIVE
            and merchant.deposit_ok)


def product_visible_get(*, product_id: int) -> Product:
    product = products_visible().select_related("merchant", "category").filter(
        pk=product_id).first()
    if product is None:
        raise _product_not_found()
    return product


def sellable_batch_subquery(product_ref: str = "pk") -> Subquery:
    """The id of the batch ``batch_sellable`` would pick, for the product that ``product_ref``
    (a column of the outer query) names: annotate a product, or set the result on it, as
    ``sellable_batch_id`` and ``product_purchasable`` uses it without reading batches."""
    return Subquery(Batch.objects.filter(product=OuterRef(product_ref),
                                         expires_on__gt=timezone.localdate())
                    .order_by("expires_on", "pk").values("pk")[:1])


def sellable_batch_id(*, product: Product) -> int | None:
    """The id of the batch to sell from (FEFO), from ``sellable_batch_id`` when the caller
    annotated it, else from ``batch_sellable``."""
    if hasattr(product, "sellable_batch_id"):
        return product.sellable_batch_id
    batch = batch_sellable(product=product)
    return batch.pk if batch is not None else None


def batch_sellable(*, product: Product) -> Batch | None:
    """The batch to sell from: the earliest-expiring one not yet expired (FEFO), or None.

    A batch is sellable while today is before its ``expires_on``. Uses prefetched batches when
    the caller loaded them (the product page does), so it costs no query there.
    """
    batches = getattr(product, "all_batches", None)
    return _fefo(list(product.batches.all()) if batches is None else batches)


def _fefo(batches: list[Batch]) -> Batch | None:
    today = timezone.localdate()
    sellable = [b for b in batches if b.expires_on > today]
    return min(sellable, key=lambda b: (b.expires_on, b.pk), default=None)


def category_chain(category: Category) -> list[Category]:
    """The category and its ancestors, nearest first (the tree is shallow)."""
    chain: list[Category] = []
    seen: set[int] = set()
    node: Category | None = category
    while node is not None and node.pk not in seen:
        chain.append(node)
        seen.add(node.pk)
        node = node.parent
    return chain


def category_requires_licence(category: Category) -> bool:
    return any(c.requires_production_licence for c in category_chain(category))


def category_requires_batches(category: Category) -> bool:
    return any(c.requires_batches for c in category_chain(category))


def product_purchasable(*, product: Product) -> bool:
    """Visible, and if its category needs batches, with a batch that has not expired."""
    if not product_is_visible(product=product):
        return False
    return not category_requires_batches(product.category) or (
        sellable_batch_id(product=product) is not None)


def product_missing(product: Product) -> dict[str, list[str]]:
    """What a product still lacks before it may be sold, by field (empty when complete)."""
    missing: dict[str, list[str]] = {}
    if not product.skus.filter(is_active=True).exists():
        missing["skus"] = [str(_("Add at least one SKU with a price."))]
    if not product.images.filter(pending=False).exists():
        missing["images"] = [str(_("Add at least one image."))]
    if category_requires_licence(product.category) and not product.production_licence_no:
        missing["production_licence_no"] = [str(_("Enter the production licence number."))]
    if category_requires_batches(product.category) and not product.batches.filter(
            expires_on__gt=timezone.localdate()).exists():
        missing["batches"] = [str(_("Add a batch that has not expired."))]
    return missing


# --- commission ---------------------------------------------------------------------------
def commission_bounds() -> tuple[int, int]:
    """(min_bps, max_bps) the platform allows; 1%–30% until an operator sets them."""
    row = CommissionBounds.objects.order_by("pk").values_list("min_bps", "max_bps").first()
    return (int(row[0]), int(row[1])) if row else DEFAULT_COMMISSION_BOUNDS


def bps_as_percent(bps: int) -> str:
    """150 → "1.5%": how rates are shown to people."""
    whole, rest = divmod(bps, 100)
    return f"{whole}%" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0") + "%"


def commission_bounds_for_operator(*, user: User | AnonymousUser) -> tuple[int, int]:
    require_operator(user)
    return commission_bounds()


def share_earning_fen(*, product: Product) -> int:
    """What a sharer earns on the lowest price: price × rate, rounded down (never overpaid)."""
    return apply_bps(int(product.price_fen), int(product.commission_bps), rounding=Rounding.DOWN)
