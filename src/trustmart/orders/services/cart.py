"""Writes for the address book, shipping rules and the cart. Every check happens before a write,
so a refused request changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.accounts.validators import normalize_mobile
from trustmart.catalog.models import Sku
from trustmart.catalog.selectors import product_purchasable, sellable_batch_subquery
from trustmart.core.errors import InvalidInput, NotAuthenticated, invalid
from trustmart.core.services import model_update
from trustmart.merchants.selectors import merchant_for_staff
from trustmart.stores.models import Store, StoreItem

from ..models import Address, CartLine, ShippingRule
from ..selectors import address_get, cart_line_get
from ..shipping import PROVINCES

MAX_LINE_QUANTITY = 999


def _member(user: User | AnonymousUser) -> User:
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user


# --- addresses -----------------------------------------------------------------------------------
def _clean_address(*, recipient_name: str, mobile: str, province: str, city: str, district: str,
                   detail: str) -> dict[str, str]:
    values = {"recipient_name": recipient_name.strip(), "province": province.strip(),
              "city": city.strip(), "district": district.strip(), "detail": detail.strip()}
    errors: dict[str, list[str]] = {}
    for field, value in values.items():
        if not value:
            errors[field] = [str(_("This field is required."))]
    try:
        values["mobile"] = normalize_mobile(mobile)
    except InvalidInput as exc:
        errors["mobile"] = [str(exc.message)]
    limits = {"recipient_name": 30, "province": 20, "city": 30, "district": 30, "detail": 120}
    for field, limit in limits.items():
        if len(values[field]) > limit:
            errors.setdefault(field, []).append(str(_("This is too long.")))
    if errors:
        raise InvalidInput(fields=errors, code="invalid_address")
    return values


def _unset_default(user: User) -> None:
    Address.objects.filter(user=user, is_default=True).update(is_default=False)


@transaction.atomic
def address_create(*, user: User | AnonymousUser, recipient_name: str, mobile: str,
                   province: str, city: str, district: str, detail: str,
                   is_default: bool = False) -> Address:
    """The first address becomes the default, so checkout always has one to start from."""
    member = _member(user)
    values = _clean_address(recipient_name=recipient_name, mobile=mobile, province=province,
                            city=city, district=district, detail=detail)
    first = not Address.objects.filter(user=member).exists()
    if is_default and not first:
        _unset_default(member)
    return Address.objects.create(user=member, is_default=is_default or first, **values)


@transaction.atomic
def address_update(*, user: User | AnonymousUser, address_id: int, recipient_name: str,
                   mobile: str, province: str, city: str, district: str, detail: str,
                   is_default: bool | None = None) -> Address:
    address = address_get(user=user, address_id=address_id)
    values = _clean_address(recipient_name=recipient_name, mobile=mobile, province=province,
                            city=city, district=district, detail=detail)
    model_update(address, data=values, fields=list(values))
    if is_default:
        return address_set_default(user=user, address_id=address.pk)
    return address


@transaction.atomic
def address_set_default(*, user: User | AnonymousUser, address_id: int) -> Address:
    address = address_get(user=user, address_id=address_id)
    _unset_default(address.user)
    address.is_default = True
    address.save(update_fields=["is_default"])
    return address


@transaction.atomic
def address_delete(*, user: User | AnonymousUser, address_id: int) -> None:
    """Deleting the default promotes the newest remaining address, so one stays default."""
    address = address_get(user=user, address_id=address_id)
    was_default = address.is_default
    owner = address.user
    address.delete()
    if was_default:
        newest = Address.objects.filter(user=owner).order_by("-created_at", "-pk").first()
        if newest is not None:
            newest.is_default = True
            newest.save(update_fields=["is_default"])


# --- shipping rules -----------------------------------------------------------------------------
@transaction.atomic
def shipping_rule_set(*, user: User | AnonymousUser, merchant_id: int, flat_fee_fen: int,
                      free_over_fen: int | None, remote_provinces: list[str],
                      remote_surcharge_fen: int) -> ShippingRule:
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    errors: dict[str, list[str]] = {}
    for field, value in (("flat_fee_fen", flat_fee_fen),
                         ("remote_surcharge_fen", remote_surcharge_fen)):
        if value < 0:
            errors[field] = [str(_("Enter an amount of zero or more."))]
    if free_over_fen is not None and free_over_fen <= 0:
        errors["free_over_fen"] = [str(_("Enter an amount greater than zero, or leave empty."))]
    names = {p.strip() for p in remote_provinces if p.strip()}
    unknown = sorted(names - set(PROVINCES))
    if unknown:
        errors["remote_provinces"] = [str(_("Unknown region: %(name)s") % {"name": unknown[0]})]
    provinces = [p for p in PROVINCES if p in names]
    if errors:
        raise InvalidInput(fields=errors, code="invalid_shipping_rule")
    rule, _created = ShippingRule.objects.update_or_create(
        merchant=merchant, defaults={"flat_fee_fen": flat_fee_fen, "free_over_fen": free_over_fen,
                                     "remote_provinces": provinces,
                                     "remote_surcharge_fen": remote_surcharge_fen})
    return rule


# --- cart ---------------------------------------------------------------------------------------
def _check_quantity(*, sku: Sku, quantity: int, others: int) -> None:
    """``quantity`` for one line of ``sku``, with ``others`` units of its product on the
    buyer's other lines: within the line maximum, the stock and the purchase limit."""
    if quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise invalid("quantity", _("Choose a quantity between 1 and %(max)s.")
                      % {"max": MAX_LINE_QUANTITY}, code="invalid_quantity")
    if quantity > sku.stock:
        raise invalid("quantity", _("Only %(count)s left in stock.") % {"count": sku.stock},
                      code="insufficient_stock")
    limit = sku.product.purchase_limit
    if limit and others + quantity > limit:
        raise invalid("quantity", _("You can buy at most %(limit)s of this product per "
                                    "order.") % {"limit": limit},
                      code="purchase_limit_exceeded")


def cart_line_add(*, user: User | AnonymousUser, sku_id: int, quantity: int = 1,
                  store_id: int | None = None, share_code: str | None = None,
                  _raced: bool = False) -> CartLine:
    """Adding the same SKU from the same store again adds to that line's quantity.

    One read brings the SKU with its product, merchant, category chain and FEFO batch, the
    buyer's line for it (if any), the units of the product already in the cart and the units
    of the whole cart; then one write. The returned line carries ``cart_units``: what the
    cart holds now, for the badge. Two adds racing for the same new line meet at the unique
    (user, SKU, store): the loser adds its quantity to the winner's line instead.
    """
    member = _member(user)
    if quantity < 1 or quantity > MAX_LINE_QUANTITY:
        raise invalid("quantity", _("Choose a quantity between 1 and %(max)s.")
                      % {"max": MAX_LINE_QUANTITY}, code="invalid_quantity")
    store = None
    if store_id is not None:
        item = (StoreItem.objects.select_related("store")
                .filter(store_id=store_id, store__status=Store.Status.OPEN,
                        product__skus=sku_id).first())
        if item is None:
            raise invalid("store_id", _("This store does not sell this product."),
                          code="not_in_store")
        store = item.store
    mine = CartLine.objects.filter(user=member)
    same_line = mine.filter(sku=OuterRef("pk"), store=store)
    sku = (Sku.objects.select_related("product__merchant", "product__category__parent__parent")
           .filter(pk=sku_id, is_active=True)
           .annotate(sellable_batch=sellable_batch_subquery("product_id"),
                     line_id=Subquery(same_line.values("pk")[:1]),
                     line_quantity=Subquery(same_line.values("quantity")[:1]),
                     product_units=_units(mine.filter(sku__product=OuterRef("product_id"))),
                     cart_units=_units(mine))
           .first())
    if sku is not None:
        sku.product.sellable_batch_id = sku.sellable_batch  # type: ignore[attr-defined]
    if sku is None or not product_purchasable(product=sku.product):
        raise invalid("sku_id", _("This product cannot be bought now."),
                      code="product_unavailable")
    before = sku.line_quantity or 0
    total = quantity + before
    _check_quantity(sku=sku, quantity=total,
                    others=(sku.product_units or 0) - before)
    cart_units = (sku.cart_units or 0) + quantity
    if sku.line_id is None:
        try:
            with transaction.atomic():
                line = CartLine.objects.create(user=member, sku=sku, store=store,
                                               quantity=total, share_code=share_code or None)
        except IntegrityError:
            if _raced:
                raise
            # Another request created the line between our read and this insert: add to it.
            return cart_line_add(user=member, sku_id=sku_id, quantity=quantity,
                                 store_id=store_id, share_code=share_code, _raced=True)
    else:
        changes: dict[str, Any] = {"quantity": F("quantity") + quantity, "selected": True}
        if share_code:
            changes["share_code"] = share_code  # the latest share that brought the buyer back
        CartLine.objects.filter(pk=sku.line_id).update(**changes)
        line = CartLine(pk=sku.line_id, user=member, sku=sku,
                        store=store, quantity=total, selected=True,
                        share_code=share_code or None)
    line.cart_units = cart_units  # type: ignore[attr-defined]
    return line


def _units(lines: QuerySet[CartLine]) -> Subquery:
    """The sum of ``lines``' quantities as a subquery (NULL for none)."""
    return Subquery(lines.order_by().values("user").annotate(units=Sum("quantity"))
                    .values("units")[:1])


@transaction.atomic
def cart_line_update(*, user: User | AnonymousUser, line_id: int, quantity: int | None = None,
                     selected: bool | None = None) -> CartLine:
    line = cart_line_get(user=user, line_id=line_id)
    fields = []
    if quantity is not None and quantity != line.quantity:
        if quantity > line.quantity and not product_purchasable(product=line.sku.product):
            raise invalid("quantity", _("This product cannot be bought now."),
                          code="product_unavailable")
        others = (CartLine.objects.filter(user=line.user, sku__product=line.sku.product)
                  .exclude(pk=line.pk).aggregate(n=Sum("quantity"))["n"] or 0)
        _check_quantity(sku=line.sku, quantity=quantity, others=others)
        line.quantity = quantity
        fields.append("quantity")
    if selected is not None:
        line.selected = selected
        fields.append("selected")
    if fields:
        line.save(update_fields=fields)
    return line


@transaction.atomic
def cart_line_remove(*, user: User | AnonymousUser, line_id: int) -> None:
    cart_line_get(user=user, line_id=line_id).delete()

