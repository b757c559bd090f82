"""REST endpoints for addresses, shipping rules and the cart. Thin: parse, call, return."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from trustmart.accounts.auth import token_or_session
from trustmart.core.money import format_fen

from .. import selectors, services
from ..models import Address, ShippingRule
from ..selectors import CartView

router = Router(tags=["orders"], auth=token_or_session)


class AddressIn(Schema):
    recipient_name: str
    mobile: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool = False


class AddressOut(Schema):
    id: int
    recipient_name: str
    mobile: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


class ShippingRuleIn(Schema):
    flat_fee_fen: int = 0
    free_over_fen: int | None = None
    remote_provinces: list[str] = []
    remote_surcharge_fen: int = 0


class ShippingRuleOut(Schema):
    merchant_id: int
    configured: bool
    flat_fee_fen: int
    free_over_fen: int | None
    remote_provinces: list[str]
    remote_surcharge_fen: int


class CartLineIn(Schema):
    sku_id: int
    quantity: int = 1
    store_id: int | None = None


class CartLinePatch(Schema):
    quantity: int | None = None
    selected: bool | None = None


class CartLineOut(Schema):
    id: int
    sku_id: int
    product_id: int
    name: str
    specs: dict[str, str]
    store_id: int | None
    quantity: int
    selected: bool
    available: bool
    unit_price_fen: int
    amount_fen: int


class CartGroupOut(Schema):
    merchant_id: int
    merchant_name: str
    lines: list[CartLineOut]
    subtotal_fen: int
    shipping_fen: int
    total_fen: int


class CartOut(Schema):
    groups: list[CartGroupOut]
    province: str | None
    subtotal_fen: int
    shipping_fen: int
    total_fen: int
    total: str
    count: int


class CartLineAddedOut(Schema):
    line: CartLineOut
    count: int  # units in the whole cart now (the tab bar's badge)


def _rule_out(merchant_id: int, rule: ShippingRule | None) -> ShippingRuleOut:
    if rule is None:
        return ShippingRuleOut(merchant_id=merchant_id, configured=False, flat_fee_fen=0,
                               free_over_fen=None, remote_provinces=[], remote_surcharge_fen=0)
    return ShippingRuleOut(merchant_id=merchant_id, configured=True,
                           flat_fee_fen=rule.flat_fee_fen, free_over_fen=rule.free_over_fen,
                           remote_provinces=list(rule.remote_provinces),
                           remote_surcharge_fen=rule.remote_surcharge_fen)


def _cart_out(request: HttpRequest, view: CartView) -> CartOut:
    groups = [CartGroupOut(
        merchant_id=g.merchant.pk, merchant_name=g.merchant.name, subtotal_fen=g.subtotal_fen,
        shipping_fen=g.shipping_fen, total_fen=g.total_fen,
        lines=[CartLineOut(id=i.line.pk, sku_id=i.line.sku_id, product_id=i.line.sku.product_id,
                           name=i.line.sku.product.name, specs=i.line.sku.specs,
                           store_id=i.line.store_id, quantity=i.line.quantity,
                           selected=i.line.selected, available=i.available,
                           unit_price_fen=i.unit_price_fen, amount_fen=i.amount_fen)
               for i in g.items]) for g in view.groups]
    return CartOut(groups=groups, province=view.province, subtotal_fen=view.subtotal_fen,
                   shipping_fen=view.shipping_fen, total_fen=view.total_fen,
                   total=format_fen(view.total_fen),
                   count=view.unit_count)


# --- addresses -----------------------------------------------------------------------------------
@router.get("/addresses", response=list[AddressOut])
def address_list(request: HttpRequest) -> list[Address]:
    return list(selectors.addresses_of_user(user=request.user))


@router.post("/addresses", response={201: AddressOut})
def address_create(request: HttpRequest, payload: AddressIn) -> Status:
    return Status(201, services.address_create(user=request.user, **payload.dict()))


@router.get("/addresses/{address_id}", response=AddressOut)
def address_detail(request: HttpRequest, address_id: int) -> Address:
    return selectors.address_get(user=request.user, address_id=address_id)


@router.put("/addresses/{address_id}", response=AddressOut)
def address_update(request: HttpRequest, address_id: int, payload: AddressIn) -> Address:
    return services.address_update(user=request.user, address_id=address_id, **payload.dict())


@router.post("/addresses/{address_id}/default", response=AddressOut)
def address_set_default(request: HttpRequest, address_id: int) -> Address:
    return services.address_set_default(user=request.user, address_id=address_id)


@router.delete("/addresses/{address_id}", response={204: None})
def address_delete(request: HttpRequest, address_id: int) -> Status:
    services.address_delete(user=request.user, address_id=address_id)
    return Status(204, None)


# --- shipping rules -----------------------------------------------------------------------------
@router.get("/merchants/{merchant_id}/shipping-rule", response=ShippingRuleOut)
def shipping_rule_get(request: HttpRequest, merchant_id: int) -> ShippingRuleOut:
    merchant, rule = selectors.shipping_rule_for_staff(user=request.user,
                                                       merchant_id=merchant_id)
    return _rule_out(merchant.pk, rule)


@router.put("/merchants/{merchant_id}/shipping-rule", response=ShippingRuleOut)
def shipping_rule_put(request: HttpRequest, merchant_id: int,
                      payload: ShippingRuleIn) -> ShippingRuleOut:
    rule = services.shipping_rule_set(user=request.user, merchant_id=merchant_id,
                                      **payload.dict())
    return _rule_out(merchant_id, rule)


# --- cart ---------------------------------------------------------------------------------------
@router.get("/cart", response=CartOut)
def cart_get(request: HttpRequest, province: str | None = None) -> CartOut:
    return _cart_out(request, selectors.cart_view(user=request.user, province=province))


@router.post("/cart/lines", response={201: CartLineAddedOut},
             summary="Add to the cart: the line as it is now, and the units in the cart")
def cart_line_add(request: HttpRequest, payload: CartLineIn) -> Status:
    line = services.cart_line_add(user=request.user, **payload.dict())
    sku = line.sku
    return Status(201, CartLineAddedOut(
        line=CartLineOut(id=line.pk, sku_id=sku.pk, product_id=sku.product_id,
                         name=sku.product.name, specs=sku.specs, store_id=line.store_id,
                         quantity=line.quantity, selected=line.selected, available=True,
                         unit_price_fen=sku.price_fen, amount_fen=sku.price_fen * line.quantity),
        count=line.cart_units))  # type: ignore[attr-defined]


@router.patch("/cart/lines/{line_id}", response=CartOut)
def cart_line_update(request: HttpRequest, line_id: int, payload: CartLinePatch) -> CartOut:
    services.cart_line_update(user=request.user, line_id=line_id, **payload.dict())
    return _cart_out(request, selectors.cart_view(user=request.user))


@router.delete("/cart/lines/{line_id}", response={204: None})
def cart_line_remove(request: HttpRequest, line_id: int) -> Status:
    services.cart_line_remove(user=request.user, line_id=line_id)
    return Status(204, None)
