from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from trustmart.accounts.models import User
from trustmart.catalog.models import Product, Sku
from trustmart.core.errors import InvalidInput, NotFound
from trustmart.merchants.models import Merchant
from trustmart.orders import selectors, services
from trustmart.orders.models import Address, CartLine, ShippingRule
from trustmart.stores.models import Store, StoreItem

ADDRESS = {"recipient_name": "张三", "mobile": "13800001111", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}


def add_address(user: User, **kw: object) -> Address:
    return services.address_create(user=user, **{**ADDRESS, **kw})  # type: ignore[arg-type]


# --- addresses -----------------------------------------------------------------------------------
def test_first_address_is_default_and_a_new_default_unsets_the_old(buyer: User) -> None:
    first = add_address(buyer)
    second = add_address(buyer, province="新疆", is_default=True)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    services.address_set_default(user=buyer, address_id=first.pk)
    assert list(Address.objects.filter(user=buyer, is_default=True)) == [first]


def test_database_refuses_two_defaults(buyer: User) -> None:
    add_address(buyer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(user=buyer, is_default=True, **ADDRESS)


def test_bad_address_saves_nothing(buyer: User) -> None:
    with pytest.raises(InvalidInput) as exc:
        add_address(buyer, mobile="123", city="  ")
    assert set(exc.value.fields) == {"mobile", "city"}
    assert not Address.objects.exists()


def test_deleting_the_default_promotes_another(buyer: User) -> None:
    first = add_address(buyer)
    second = add_address(buyer)
    services.address_delete(user=buyer, address_id=first.pk)
    second.refresh_from_db()
    assert second.is_default


def test_another_users_address_is_not_found(buyer: User, stranger: User) -> None:
    address = add_address(buyer)
    with pytest.raises(NotFound):
        services.address_update(user=stranger, address_id=address.pk,
                                 **ADDRESS)  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        services.address_delete(user=stranger, address_id=address.pk)
    assert Address.objects.filter(pk=address.pk).exists()


# --- shipping rules -----------------------------------------------------------------------------
def test_staff_set_the_rule_others_get_not_found(seller: User, stranger: User,
                                                 merchant: Merchant) -> None:
    rule = services.shipping_rule_set(user=seller, merchant_id=merchant.pk, flat_fee_fen=800,
                                      free_over_fen=9_900, remote_provinces=["西藏", "新疆"],
                                      remote_surcharge_fen=1_500)
    assert rule.remote_provinces == ["西藏", "新疆"]
    with pytest.raises(NotFound):
        services.shipping_rule_set(user=stranger, merchant_id=merchant.pk, flat_fee_fen=0,
                                   free_over_fen=None, remote_provinces=[],
                                   remote_surcharge_fen=0)
    assert ShippingRule.objects.get().flat_fee_fen == 800


def test_bad_rule_saves_nothing(seller: User, merchant: Merchant) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.shipping_rule_set(user=seller, merchant_id=merchant.pk, flat_fee_fen=-1,
                                   free_over_fen=0, remote_provinces=["火星"],
                                   remote_surcharge_fen=0)
    assert set(exc.value.fields) == {"flat_fee_fen", "free_over_fen", "remote_provinces"}
    assert not ShippingRule.objects.exists()


# --- cart ---------------------------------------------------------------------------------------
def test_adding_again_merges_and_stores_make_separate_lines(buyer: User, sku: Sku,
                                                            live: Product) -> None:
    store = Store.objects.create(owner=buyer, name="小明的店")
    StoreItem.objects.create(store=store, product=live)
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
    line = services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2)
    assert line.quantity == 3
    via_store = services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1, store_id=store.pk)
    assert via_store.pk != line.pk and via_store.store == store
    assert CartLine.objects.filter(user=buyer).count() == 2


@pytest.mark.parametrize(("quantity", "code"), [(11, "insufficient_stock"),
                                                 (6, "purchase_limit_exceeded"),
                                                 (0, "invalid_quantity")])
def test_refusals_save_nothing(buyer: User, sku: Sku, quantity: int, code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=quantity)
    assert exc.value.code == code
    assert not CartLine.objects.exists()


def test_purchase_limit_counts_all_lines_of_the_product(buyer: User, live: Product) -> None:
    first, second = live.skus.order_by("pk")
    services.cart_line_add(user=buyer, sku_id=first.pk, quantity=3)
    with pytest.raises(InvalidInput) as exc:
        services.cart_line_add(user=buyer, sku_id=second.pk, quantity=3)
    assert exc.value.code == "purchase_limit_exceeded"
    assert CartLine.objects.count() == 1


def test_unavailable_product_cannot_be_added(buyer: User, sku: Sku, merchant: Merchant) -> None:
    Merchant.objects.filter(pk=merchant.pk).update(status=Merchant.Status.SUSPENDED)
    with pytest.raises(InvalidInput) as exc:
        services.cart_line_add(user=buyer, sku_id=sku.pk)
    assert exc.value.code == "product_unavailable"
    assert not CartLine.objects.exists()


def test_store_that_does_not_sell_it_is_refused(buyer: User, sku: Sku) -> None:
    store = Store.objects.create(owner=buyer, name="空店")
    with pytest.raises(InvalidInput) as exc:
        services.cart_line_add(user=buyer, sku_id=sku.pk, store_id=store.pk)
    assert exc.value.code == "not_in_store"
    assert not CartLine.objects.exists()


def test_update_and_remove_check_owner(buyer: User, stranger: User, sku: Sku) -> None:
    line = services.cart_line_add(user=buyer, sku_id=sku.pk)
    with pytest.raises(NotFound):
        services.cart_line_update(user=stranger, line_id=line.pk, quantity=2)
    with pytest.raises(NotFound):
        services.cart_line_remove(user=stranger, line_id=line.pk)
    with pytest.raises(InvalidInput):
        services.cart_line_update(user=buyer, line_id=line.pk, quantity=99)
    line.refresh_from_db()
    assert line.quantity == 1
    services.cart_line_update(user=buyer, line_id=line.pk, quantity=4, selected=False)
    line.refresh_from_db()
    assert (line.quantity, line.selected) == (4, False)
    services.cart_line_remove(user=buyer, line_id=line.pk)
    assert not CartLine.objects.exists()


def test_cart_view_groups_by_merchant_with_shipping_in_fen(
        buyer: User, seller: User, merchant: Merchant, sku: Sku, other_sku: Sku) -> None:
    services.shipping_rule_set(user=seller, merchant_id=merchant.pk, flat_fee_fen=800,
                               free_over_fen=50_000, remote_provinces=["新疆"],
                               remote_surcharge_fen=1_500)
    add_address(buyer, province="新疆")
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2)
    other = services.cart_line_add(user=buyer, sku_id=other_sku.pk, quantity=3)
    view = selectors.cart_view(user=buyer)
    by_merchant = {g.merchant.pk: g for g in view.groups}
    mine = by_merchant[merchant.pk]
    assert (mine.subtotal_fen, mine.shipping_fen) == (2 * sku.price_fen, 800 + 1_500)
    theirs = by_merchant[other_sku.product.merchant_id]
    assert (theirs.subtotal_fen, theirs.shipping_fen) == (15_000, 0)
    assert view.total_fen == 2 * sku.price_fen + 2_300 + 15_000
    services.cart_line_update(user=buyer, line_id=other.pk, selected=False)
    assert selectors.cart_view(user=buyer, province="浙江").total_fen == 2 * sku.price_fen + 800


def test_unavailable_lines_stay_but_count_for_nothing(buyer: User, sku: Sku,
                                                      live: Product) -> None:
    services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=2)
    Product.objects.filter(pk=live.pk).update(status=Product.Status.OFFLINE)
    view = selectors.cart_view(user=buyer)
    [item] = view.groups[0].items
    assert not item.available
    assert (view.total_fen, view.selected_count) == (0, 0)
