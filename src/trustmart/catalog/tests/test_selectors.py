from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import User
from trustmart.catalog import selectors, services
from trustmart.catalog.models import Category, Product
from trustmart.core.errors import NotFound
from trustmart.merchants.models import Merchant
from trustmart.merchants.services import merchant_reinstate, merchant_suspend

from .factories import make_category, make_live_product, make_merchant

pytestmark = pytest.mark.django_db


def test_only_live_products_of_selling_merchants_are_visible(
        seller: User, merchant: Merchant, draft: Product, live: Product,
        operator: User) -> None:
    assert list(selectors.products_visible()) == [live]
    with pytest.raises(NotFound):
        selectors.product_visible_get(product_id=draft.pk)
    assert selectors.product_is_visible(product=live)
    Merchant.objects.filter(pk=merchant.pk).update(deposit_ok=False)
    assert not selectors.products_visible().exists()
    live.refresh_from_db()
    assert not selectors.product_is_visible(product=live)


def test_suspension_hides_everything_and_reinstatement_brings_it_back(
        merchant: Merchant, live: Product, operator: User, tea: Category) -> None:
    merchant_suspend(operator=operator, merchant_id=merchant.pk, reason="资质待复核")
    assert not selectors.product_card_qs().exists()
    assert not selectors.products_in_category(category=tea).exists()
    with pytest.raises(NotFound):
        selectors.product_page(product_id=live.pk)
    merchant_reinstate(operator=operator, merchant_id=merchant.pk)
    assert selectors.product_page(product_id=live.pk).product == live
    assert list(selectors.products_in_category(category=tea.parent)) == [live]


def test_card_qs_has_main_image_in_one_query(live: Product,
                                             django_assert_num_queries: Callable[..., object]
                                             ) -> None:
    with django_assert_num_queries(1):  # type: ignore[attr-defined]
        cards = list(selectors.product_card_qs())
        assert cards[0].merchant.name and cards[0].category.name
        url = selectors.main_image_url(cards[0])
    assert url and url.startswith("/media/product-images/")


def test_categories_tree_and_browse(seller: User, merchant: Merchant, tea: Category,
                                    apparel: Category, operator: User) -> None:
    snacks = make_category("snacks", name="零食", parent=tea.parent)
    make_category("hidden", name="停用", parent=tea.parent).__class__.objects.filter(
        slug="hidden").update(is_active=False)
    tree = selectors.categories_tree()
    assert [c.slug for c in tree] == ["food", "apparel"]
    assert [c.slug for c in tree[0].subcategories] == ["tea", "snacks"]  # type: ignore[attr-defined]
    assert selectors.category_by_slug(slug="snacks") == snacks
    with pytest.raises(NotFound):
        selectors.category_by_slug(slug="hidden")


def test_page_price_range_and_share_earning(seller: User, live: Product) -> None:
    page = selectors.product_page(product_id=live.pk)
    assert (page.price_min_fen, page.price_max_fen) == (19_900, 19_900)
    services.sku_update(user=seller, sku_id=live.skus.get(spec_key="规格:500g").pk,
                        price_fen=36_900)
    page = selectors.product_page(product_id=live.pk)
    assert (page.price_min_fen, page.price_max_fen) == (19_900, 36_900)
    # 10% of ¥199.00 = ¥19.90; 12.34% of ¥199.00 = ¥24.5566 → ¥24.55 (rounded down)
    assert page.share_earning_fen == 1990
    services.product_update(user=seller, product_id=live.pk, commission_bps=1234)
    assert selectors.product_page(product_id=live.pk).share_earning_fen == 2455
    assert page.genuine and page.current_batch is not None


def test_staff_and_operator_reads_are_scoped(seller: User, live: Product, operator: User,
                                             make_user: Callable[..., User],
                                             tea: Category) -> None:
    stranger = make_user()
    with pytest.raises(NotFound):
        selectors.product_for_staff(user=stranger, product_id=live.pk)
    with pytest.raises(NotFound):
        selectors.products_for_operator(user=stranger)
    with pytest.raises(NotFound):
        selectors.product_for_operator(user=seller, product_id=live.pk)
    assert selectors.product_for_staff(user=seller, product_id=live.pk).product == live
    other = make_merchant(stranger, categories=[tea], name="别家")
    with pytest.raises(NotFound):
        selectors.products_of_merchant(user=seller, merchant_id=other.pk)
    second = make_live_product(stranger, other, tea, operator, name="别家 龙井 二级 500g")
    assert set(selectors.products_visible()) == {live, second}
    assert list(selectors.products_of_merchant(user=seller, merchant_id=live.merchant_id)) == [
        live]
