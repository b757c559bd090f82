"""Reads for the address book, shipping rules and the cart (grouped by merchant, in fen)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet, Sum

from trustmart.accounts.models import User
from trustmart.catalog.models import Batch, Product
from trustmart.catalog.selectors import category_requires_batches, product_purchasable
from trustmart.core.errors import NotAuthenticated, NotFound
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_for_staff

from ..models import Address, CartLine, ShippingRule
from ..shipping import shipping_fee_fen


def _member(user: User | AnonymousUser) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


# --- addresses -----------------------------------------------------------------------------------
def addresses_of_user(*, user: User | AnonymousUser) -> QuerySet[Address]:
    return Address.objects.filter(user=_member(user))


def address_get(*, user: User | AnonymousUser, address_id: int) -> Address:
    """Another user's address does not exist for this one (404)."""
    address = Address.objects.filter(user=_member(user), pk=address_id).first()
    if address is None:
        raise NotFound(code="address_not_found")
    return address


def address_default(*, user: User | AnonymousUser) -> Address | None:
    return Address.objects.filter(user=_member(user), is_default=True).first()


# --- shipping rules -----------------------------------------------------------------------------
def shipping_rule_for_staff(*, user: User | AnonymousUser, merchant_id: int
                            ) -> tuple[Merchant, ShippingRule | None]:
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    return merchant, ShippingRule.objects.filter(merchant=merchant).first()


# --- cart ---------------------------------------------------------------------------------------
def cart_line_get(*, user: User | AnonymousUser, line_id: int) -> CartLine:
    line = (CartLine.objects.select_related("sku__product__merchant", "sku__product__category")
            .filter(user=_member(user), pk=line_id).first())
    if line is None:
        raise NotFound(code="cart_line_not_found")
    return line


def cart_count(*, user: User | AnonymousUser) -> int:
    """Units in the cart, for the badge; zero for visitors."""
    if not isinstance(user, User) or not user.is_authenticated:
        return 0
    return CartLine.objects.filter(user=user).aggregate(n=Sum("quantity"))["n"] or 0


@dataclass
class CartItem:
    line: CartLine
    available: bool
    unit_price_fen: int
    amount_fen: int  # zero when unavailable: excluded from totals

    @property
    def counts(self) -> bool:
        return self.available and self.line.selected


@dataclass
class MerchantGroup:
    merchant: Merchant
    items: list[CartItem] = field(default_factory=list)
    subtotal_fen: int = 0
    shipping_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.subtotal_fen + self.shipping_fen


@dataclass
class CartView:
    groups: list[MerchantGroup]
    province: str | None
    subtotal_fen: int
    shipping_fen: int
    total_fen: int
    selected_count: int
    line_count: int
    # Units in the whole cart (what ``cart_count`` would read): every line of the member is here.
    unit_count: int = 0


def _load_batches(products: list[Product]) -> None:
    """One read for the batches of every product whose category needs them, put where
    ``batch_sellable`` looks (``all_batches``), instead of one read per product."""
    needing = {p.pk: p for p in products
               if not hasattr(p, "all_batches") and category_requires_batches(p.category)}
    if not needing:
        return
    by_product: dict[int, list[Batch]] = {pk: [] for pk in needing}
    for batch in Batch.objects.filter(product_id__in=needing):
        by_product[batch.product_id].append(batch)
    for product in products:
        if product.pk in by_product:
            product.all_batches = by_product[product.pk]  # type: ignore[attr-defined]


def cart_view(*, user: User | AnonymousUser, province: str | None = None) -> CartView:
    """Lines grouped by merchant. Shipping uses ``province`` or the default address's; lines
    whose product can no longer be bought stay visible but count for nothing."""
    member = _member(user)
    if province is None:
        default = address_default(user=member)
        province = default.province if default else None
    lines = list(CartLine.objects.filter(user=member)
                 .select_related("sku__product__merchant",
                                 "sku__product__category__parent__parent", "store")
                 .order_by("sku__product__merchant_id", "-added_at", "-pk"))
    _load_batches([line.sku.product for line in lines])
    groups: dict[int, MerchantGroup] = {}
    purchasable: dict[int, bool] = {}
    for line in lines:
        product = line.sku.product
        if product.pk not in purchasable:
            purchasable[product.pk] = product_purchasable(product=product)
        available = purchasable[product.pk] and line.sku.is_active
        group = groups.setdefault(product.merchant_id, MerchantGroup(merchant=product.merchant))
        item = CartItem(line=line, available=available, unit_price_fen=line.sku.price_fen,
                        amount_fen=line.sku.price_fen * line.quantity if available else 0)
        group.items.append(item)
        if item.counts:
            group.subtotal_fen += item.amount_fen
    rules = {r.merchant_id: r for r in ShippingRule.objects.filter(merchant_id__in=groups)}
    for merchant_id, group in groups.items():
        group.shipping_fen = shipping_fee_fen(rules.get(merchant_id),
                                              subtotal_fen=group.subtotal_fen, province=province)
    ordered = list(groups.values())
    subtotal = sum(g.subtotal_fen for g in ordered)
    shipping = sum(g.shipping_fen for g in ordered)
    items = [i for g in ordered for i in g.items]
    return CartView(groups=ordered, province=province, subtotal_fen=subtotal,
                    shipping_fen=shipping, total_fen=subtotal + shipping,
                    selected_count=sum(1 for i in items if i.counts), line_count=len(items),
                    unit_count=sum(i.line.quantity for i in items))
