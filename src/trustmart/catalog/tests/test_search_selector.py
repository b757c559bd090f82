"""Search: what a buyer finds for Chinese queries, filters and sorts, and what stays hidden."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Category, Product
from trustmart.catalog.search import Match, product_search, product_search_index
from trustmart.core.errors import InvalidInput
from trustmart.merchants.models import Merchant
from trustmart.merchants.services import merchant_reinstate, merchant_suspend

from .factories import make_category, make_live_product, make_merchant


@dataclass
class World:
    """A small catalog: beauty, tea and phones, three merchants, one draft."""

    beauty: Category
    face: Category
    tea: Category
    phones: Category
    beauty_shop: Merchant
    tea_shop: Merchant
    phone_shop: Merchant
    products: dict[str, Product]

    def __getitem__(self, key: str) -> Product:
        return self.products[key]


def add_product(merchant: Merchant, category: Category, *, name: str, brand: str,
                price_fen: int, sales: int = 0, days_ago: int = 1, description: str = "",
                status: str = Product.Status.LIVE, index: bool = True) -> Product:
    product = Product.objects.create(
        merchant=merchant, category=category, name=name, brand=brand, price_fen=price_fen,
        sales_count=sales, description=description, status=status, manufacturer="某某工厂",
        place_of_origin="中国", published_at=timezone.now() - timedelta(days=days_ago))
    if index:
        product_search_index(product_ids=[product.pk])
    return product


def build_world(make_user: Callable[..., User]) -> World:
    beauty = make_category("beauty", name="美妆护肤")
    face = make_category("face", name="面部护肤", parent=beauty)
    drinks = make_category("drinks", name="茶饮")
    tea = make_category("green-tea", name="绿茶", parent=drinks)
    digital = make_category("digital", name="数码")
    phones = make_category("phones", name="手机", parent=digital)
    beauty_shop = make_merchant(make_user("美妆店主"), categories=[beauty], name="珀莱雅官方")
    tea_shop = make_merchant(make_user("茶庄店主"), categories=[drinks], name="西湖茶庄")
    phone_shop = make_merchant(make_user("数码店主"), categories=[digital], name="数码之家")
    products = {
        "cream": add_product(beauty_shop, face, name="珀莱雅 保湿面霜 50g", brand="珀莱雅",
                             price_fen=12_900, sales=500, days_ago=30,
                             description="<p>深层<strong>补水</strong>&nbsp;适合干性肌肤</p>"),
        "essence": add_product(beauty_shop, face, name="双抗精华液 30ml", brand="珀莱雅",
                               price_fen=25_900, sales=300, days_ago=3),
        "cleanser": add_product(beauty_shop, face, name="温和氨基酸洗面奶", brand="芙丽芳丝",
                                price_fen=8_900, sales=900, days_ago=10,
                                description="洁面后搭配面霜使用效果更好"),
        "tea_gift": add_product(tea_shop, tea, name="西湖龙井 明前特级 礼盒装 250g",
                                brand="狮峰", price_fen=59_900, sales=120, days_ago=5),
        "tea_loose": add_product(tea_shop, tea, name="龙井 雨前 散装 500g", brand="狮峰",
                                 price_fen=19_900, sales=800, days_ago=60),
        "phone": add_product(phone_shop, phones, name="Apple iPhone 15 Pro 256G 原色钛金属",
                             brand="Apple", price_fen=799_900, sales=50, days_ago=1),
        "draft": add_product(beauty_shop, face, name="保湿面霜 新品试用装", brand="珀莱雅",
                             price_fen=100, sales=0, status=Product.Status.DRAFT),
    }
    return World(beauty, face, tea, phones, beauty_shop, tea_shop, phone_shop, products)


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    return build_world(make_user)


def names(query: str = "", **filters: Any) -> list[str]:
    return [p.name for p in product_search(query=query, **filters).products]


def ids(query: str = "", **filters: Any) -> list[int]:
    return [p.pk for p in product_search(query=query, **filters).products]


# --- matching ----------------------------------------------------------------------------
def test_a_part_of_a_compound_finds_it(world: World) -> None:
    """The issue's case: 面霜 finds 保湿面霜 (and the draft stays hidden)."""
    result = product_search(query="面霜")
    found = [p.pk for p in result.products]
    assert world["cream"].pk in found
    assert world["draft"].pk not in found
    assert result.match is Match.ALL


def test_brand_search_finds_the_brands_products_only(world: World) -> None:
    assert set(ids("珀莱雅")) == {world["cream"].pk, world["essence"].pk}


def test_category_names_and_their_parents_are_searchable(world: World) -> None:
    face_products = {world["cream"].pk, world["essence"].pk, world["cleanser"].pk}
    assert set(ids("面部护肤")) == face_products
    assert set(ids("美妆")) == face_products  # the parent category's name
    assert set(ids("绿茶")) == {world["tea_gift"].pk, world["tea_loose"].pk}


def test_every_word_of_a_multi_word_query_must_match(world: World) -> None:
    assert ids("龙井 礼盒") == [world["tea_gift"].pk]
    assert set(ids("龙井")) == {world["tea_gift"].pk, world["tea_loose"].pk}


def test_english_and_digits_match_case_insensitively(world: World) -> None:
    assert ids("iPhone") == [world["phone"].pk]
    assert ids("IPHONE 256g") == [world["phone"].pk]
    assert ids("ｉＰｈｏｎｅ") == [world["phone"].pk]  # full-width letters as typed on a phone
    assert ids("apple") == [world["phone"].pk]


def test_html_in_descriptions_is_not_indexed_but_its_text_is(world: World) -> None:
    assert ids("补水") == [world["cream"].pk]
    assert ids("strong") == []
    assert ids("nbsp") == []


def test_a_query_with_no_match_finds_nothing(world: World) -> None:
    result = product_search(query="榴莲")
    assert list(result.products) == []


def test_punctuation_or_spaces_only_is_an_empty_query(world: World) -> None:
    for query in ("，。！？", "   ", "!!! ...", "《》"):
        result = product_search(query=query)
        assert result.match is Match.BROWSE
        assert len(result.products) == 6  # every visible product, best sellers first
        assert result.products[0].pk == world["cleanser"].pk


def test_when_no_product_has_every_word_any_word_is_enough(world: World) -> None:
    result = product_search(query="珀莱雅 榴莲")
    assert result.match is Match.ANY
    assert {p.pk for p in result.products} == {world["cream"].pk, world["essence"].pk}


def test_the_fallback_matches_prefixes(world: World) -> None:
    result = product_search(query="iph")
    assert result.match is Match.ANY
    assert [p.pk for p in result.products] == [world["phone"].pk]
    # "iphone15" is not a word of the product, but its parts are.
    assert ids("iphone15") == [world["phone"].pk]


def test_relevance_puts_name_matches_before_description_matches(world: World) -> None:
    assert ids("面霜") == [world["cream"].pk, world["cleanser"].pk]


def test_too_long_a_query_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as exc:
        product_search(query="面霜" * 51)
    assert exc.value.code == "query_too_long"


# --- filters and sorts -------------------------------------------------------------------
def test_a_category_filter_includes_its_subcategories(world: World) -> None:
    face_products = {world["cream"].pk, world["essence"].pk, world["cleanser"].pk}
    assert set(ids(category_id=world.beauty.pk)) == face_products
    assert set(ids(category_id=world.face.pk)) == face_products
    assert ids("面霜", category_id=world.tea.pk) == []
    assert ids("龙井", category_id=world.tea.parent_id) != []


def test_price_range_is_inclusive_in_fen(world: World) -> None:
    assert set(ids(min_price_fen=12_900, max_price_fen=25_900)) == {
        world["cream"].pk, world["essence"].pk, world["tea_loose"].pk}
    assert ids("珀莱雅", max_price_fen=20_000) == [world["cream"].pk]
    assert ids(min_price_fen=700_000) == [world["phone"].pk]


@pytest.mark.parametrize(("sort", "expected"), [
    ("sales", ["cleanser", "tea_loose", "cream", "essence", "tea_gift", "phone"]),
    ("price_asc", ["cleanser", "cream", "tea_loose", "essence", "tea_gift", "phone"]),
    ("price_desc", ["phone", "tea_gift", "essence", "tea_loose", "cream", "cleanser"]),
    ("newest", ["phone", "essence", "tea_gift", "cleanser", "cream", "tea_loose"]),
    ("", ["cleanser", "tea_loose", "cream", "essence", "tea_gift", "phone"]),
])
def test_sorts_without_a_query(world: World, sort: str, expected: list[str]) -> None:
    assert ids(sort=sort) == [world[key].pk for key in expected]


def test_sorts_apply_to_search_results(world: World) -> None:
    assert ids("面霜", sort="price_asc") == [world["cleanser"].pk, world["cream"].pk]
    assert ids("面部护肤", sort="sales") == [world["cleanser"].pk, world["cream"].pk,
                                           world["essence"].pk]
    assert product_search(query="面霜").sort.value == "relevance"
    assert product_search().sort.value == "sales"


@pytest.mark.parametrize(("filters", "code", "field"), [
    ({"sort": "cheapest"}, "invalid_sort", "sort"),
    ({"min_price_fen": 500, "max_price_fen": 100}, "price_range_inverted", "max_price_fen"),
    ({"min_price_fen": -1}, "price_negative", "min_price_fen"),
    ({"category_id": 999_999}, "unknown_category", "category"),
])
def test_bad_filters_are_refused_with_a_code(world: World, filters: dict[str, Any], code: str,
                                             field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        product_search(query="面霜", **filters)
    assert exc.value.code == code
    assert field in exc.value.fields


# --- visibility ----------------------------------------------------------------------------
def test_a_suspended_merchants_products_disappear_and_come_back(world: World,
                                                                 operator: User) -> None:
    merchant_suspend(operator=operator, merchant_id=world.phone_shop.pk, reason="假货投诉")
    assert ids("iphone") == []
    assert world["phone"].pk not in ids()
    merchant_reinstate(operator=operator, merchant_id=world.phone_shop.pk, reason="已核实")
    assert ids("iphone") == [world["phone"].pk]


def test_products_without_a_paid_deposit_or_not_live_are_hidden(world: World) -> None:
    Merchant.objects.filter(pk=world.tea_shop.pk).update(deposit_ok=False)
    assert ids("龙井") == []
    Product.objects.filter(pk=world["cream"].pk).update(status=Product.Status.OFFLINE)
    assert ids("珀莱雅") == [world["essence"].pk]


# --- keeping the index in step -----------------------------------------------------------
def test_products_listed_through_the_catalog_services_are_found(
        make_user: Callable[..., User], operator: User) -> None:
    """Catalog core indexes what it creates and approves; search finds it by name and brand."""
    seller = make_user("茶农")
    tea = make_category("longjing", name="茶叶")
    merchant = make_merchant(seller, categories=[tea])
    product = make_live_product(seller, merchant, tea, operator)
    assert ids("明前龙井") == [product.pk]
    assert ids("山水") == [product.pk]
    assert ids("茶叶") == [product.pk]


def test_a_renamed_product_is_found_by_its_new_name_only(world: World) -> None:
    cream = world["cream"]
    Product.objects.filter(pk=cream.pk).update(name="珀莱雅 紧致眼霜 20g")
    product_search_index(product_ids=[cream.pk])
    assert ids("眼霜") == [cream.pk]
    assert cream.pk not in ids("面霜")


def test_a_renamed_category_is_found_after_reindexing_its_products(world: World) -> None:
    Category.objects.filter(pk=world.phones.pk).update(name="智能手机")
    product_search_index(product_ids=list(world.phones.products.values_list("pk", flat=True)))
    assert ids("智能手机") == [world["phone"].pk]


def test_indexing_is_bulk_friendly_and_ignores_unknown_ids(world: World) -> None:
    more = [add_product(world.tea_shop, world.tea, name=f"龙井 第{n}批", brand="狮峰",
                        price_fen=100 + n, index=False) for n in range(30)]
    assert ids("第") == []  # not indexed yet
    product_search_index(product_ids=[p.pk for p in more] + [987_654, more[0].pk])
    assert len(ids("龙井", category_id=world.tea.pk)) == 32
    product_search_index(product_ids=[])  # nothing to do


def test_a_deleted_product_leaves_the_index(world: World) -> None:
    draft = world["draft"]
    draft.delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM catalog_product_fts WHERE catalog_product_fts "
                           "MATCH '\"试用装\"'")
            assert cursor.fetchall() == []


def test_the_document_is_what_was_indexed(world: World) -> None:
    world["cream"].refresh_from_db()
    tokens = world["cream"].search_document.split()
    for token in ("珀莱雅", "保湿", "面霜", "50g", "面部护肤", "美妆护肤", "补水"):
        assert token in tokens
    assert "p" not in tokens and "strong" not in tokens


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_triggers_come_back_after_a_table_rebuild(world: World) -> None:
    """A later migration that rebuilds the product table drops the FTS triggers; indexing
    notices, recreates them and rebuilds the index."""
    with connection.cursor() as cursor:
        for name in ("catalog_product_fts_ai", "catalog_product_fts_ad", "catalog_product_fts_au"):
            cursor.execute(f"DROP TRIGGER {name}")
    cream = world["cream"]
    Product.objects.filter(pk=cream.pk).update(name="珀莱雅 紧致眼霜 20g")
    product_search_index(product_ids=[cream.pk])
    assert ids("眼霜") == [cream.pk]
    assert cream.pk not in ids("面霜")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                       "AND name LIKE 'catalog_product_fts_%'")
        assert cursor.fetchone()[0] == 3


def test_other_databases_fall_back_to_like(world: World, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    from trustmart.catalog.search import backends

    class Other:
        vendor = "other"

    monkeypatch.setattr(backends, "connection", Other())
    assert ids("面霜", sort="price_asc") == [world["cleanser"].pk, world["cream"].pk]
    assert ids("龙井 礼盒") == [world["tea_gift"].pk]
    assert product_search(query="珀莱雅 榴莲").match is Match.ANY
