"""Search over HTTP: the API (/api/search/products) and the H5 page (/search/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from trustmart.accounts.models import User
from trustmart.catalog.models import ProductImage
from trustmart.merchants.services import merchant_suspend

from .factories import image_upload
from .test_search_selector import World, add_product, build_world

API = "/api/search/products"
PAGE = "/search/"


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    return build_world(make_user)


def api_ids(client: Client, **params: Any) -> list[int]:
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- API -------------------------------------------------------------------------------------
def test_api_returns_product_cards(client: Client, world: World) -> None:
    cream = world["cream"]
    ProductImage.objects.create(product=cream, image=image_upload(), position=0)
    response = client.get(API, {"q": "面霜"})
    assert response.status_code == 200
    assert response["X-Search-Match"] == "all"
    body = response.json()
    assert body["has_more"] is False and body["next_offset"] is None
    assert len(body["items"]) == 2
    first = body["items"][0]
    assert first["id"] == cream.pk
    assert first["name"] == "珀莱雅 保湿面霜 50g"
    assert first["brand"] == "珀莱雅"
    assert first["price_fen"] == 12_900
    assert first["price"] == "¥129.00"
    assert first["main_image_url"].startswith("/media/product-images/")
    assert first["sales_count"] == 500
    assert first["merchant_name"] == "珀莱雅官方"
    assert first["genuine"] is True
    assert body["items"][1]["main_image_url"] is None


def test_api_filters_sorts_and_paginates(client: Client, world: World) -> None:
    assert api_ids(client, q="珀莱雅", sort="price_desc") == [world["essence"].pk,
                                                             world["cream"].pk]
    assert api_ids(client, category=world.beauty.pk, sort="price_asc") == [
        world["cleanser"].pk, world["cream"].pk, world["essence"].pk]
    assert api_ids(client, min_price_fen=12_900, max_price_fen=19_900, sort="price_asc") == [
        world["cream"].pk, world["tea_loose"].pk]
    page = client.get(API, {"sort": "sales", "limit": "2", "offset": "2"}).json()
    assert [item["id"] for item in page["items"]] == [world["cream"].pk, world["essence"].pk]
    assert page["has_more"] is True and page["next_offset"] == 4
    last = client.get(API, {"sort": "sales", "limit": "2", "offset": "4"}).json()
    assert [item["id"] for item in last["items"]] == [world["tea_gift"].pk, world["phone"].pk]
    assert last["has_more"] is False and last["next_offset"] is None
    assert client.get(API, {"offset": "5000"}).status_code == 422


def test_api_falls_back_to_any_word_and_says_so(client: Client, world: World) -> None:
    response = client.get(API, {"q": "珀莱雅 榴莲"})
    assert response["X-Search-Match"] == "any"
    assert len(response.json()["items"]) == 2
    assert client.get(API, {"q": "，。"})["X-Search-Match"] == "browse"
    # A later page of the fallback is the fallback too.
    second = client.get(API, {"q": "珀莱雅 榴莲", "limit": "1", "offset": "1"})
    assert second["X-Search-Match"] == "any"
    assert second.json()["items"][0]["id"] == world["essence"].pk


@pytest.mark.parametrize(("params", "code"), [
    ({"sort": "cheap"}, "invalid_sort"),
    ({"min_price_fen": 900, "max_price_fen": 100}, "price_range_inverted"),
    ({"min_price_fen": -5}, "price_negative"),
    ({"category": 424242}, "unknown_category"),
    ({"q": "好" * 101}, "query_too_long"),
])
def test_api_bad_input_is_422_with_a_code(client: Client, world: World,
                                          params: dict[str, Any], code: str) -> None:
    response = client.get(API, params)
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_api_rejects_non_numeric_prices(client: Client, world: World) -> None:
    response = client.get(API, {"min_price_fen": "cheap"})
    assert response.status_code == 422
    assert "min_price_fen" in response.json()["fields"]


def test_api_never_shows_a_suspended_merchants_product(client: Client, world: World,
                                                       operator: User) -> None:
    assert api_ids(client, q="iphone") == [world["phone"].pk]
    merchant_suspend(operator=operator, merchant_id=world.phone_shop.pk, reason="投诉")
    assert api_ids(client, q="iphone") == []
    assert world["phone"].pk not in api_ids(client, limit=100)


def test_api_query_count_does_not_grow_with_results(client: Client, world: World) -> None:
    for n in range(25):
        add_product(world.tea_shop, world.tea, name=f"龙井 特价{n}", brand="狮峰",
                    price_fen=1000 + n)
    with CaptureQueriesContext(connection) as queries:
        assert len(api_ids(client, q="龙井")) == 20
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2  # the page and its images: nothing per product


# --- H5 ------------------------------------------------------------------------------------
def test_page_shows_cards_linking_to_the_product_page(client: Client, world: World) -> None:
    response = client.get(PAGE, {"q": "面霜"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and 'name="q"' in html
    assert "珀莱雅 保湿面霜 50g" in html and "¥129.00" in html
    assert f'href="/p/{world["cream"].pk}/"' in html
    assert "保湿面霜 新品试用装" not in html  # the draft
    assert "search.css" in html


def test_page_sort_tabs_and_htmx_swap(client: Client, world: World) -> None:
    html = client.get(PAGE, {"q": "面霜"}).content.decode()
    assert "sort=price_asc" in html and "sort=sales" in html and "sort=newest" in html
    response = client.get(PAGE, {"q": "面霜", "sort": "price_asc"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body  # just the results block
    assert body.index("温和氨基酸洗面奶") < body.index("珀莱雅 保湿面霜 50g")
    assert "sort=price_desc" in body  # the price tab now toggles to descending
    assert response["Vary"].lower().count("hx-request") == 1


def test_page_filters_take_yuan(client: Client, world: World) -> None:
    html = client.get(PAGE, {"min_price": "100", "max_price": "200.00"}).content.decode()
    assert "珀莱雅 保湿面霜 50g" in html and "龙井 雨前 散装 500g" in html
    assert "温和氨基酸洗面奶" not in html and "双抗精华液" not in html
    html = client.get(PAGE, {"category": world.tea.pk}).content.decode()
    assert "龙井 雨前 散装 500g" in html and "双抗精华液" not in html


def test_page_reports_bad_filters(client: Client, world: World) -> None:
    html = client.get(PAGE, {"q": "面霜", "min_price": "abc"}).content.decode()
    assert "Enter an amount in yuan" in html or "请输入" in html
    assert "珀莱雅 保湿面霜 50g" in html  # the rest of the search still works
    response = client.get(PAGE, {"min_price": "300", "max_price": "100"})
    assert response.status_code == 200
    assert 'data-testid="search-error"' in response.content.decode()


def test_page_loads_more_as_the_list_scrolls(client: Client, world: World) -> None:
    for n in range(25):
        add_product(world.tea_shop, world.tea, name=f"龙井 第{n}号", brand="狮峰",
                    price_fen=1000 + n)
    html = client.get(PAGE, {"q": "龙井", "sort": "price_asc"}).content.decode()
    assert html.count('data-testid="product-card"') == 20
    assert 'hx-trigger="revealed"' in html and "page=2" in html
    more = client.get(PAGE, {"q": "龙井", "sort": "price_asc", "page": "2"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert more.count('data-testid="product-card"') == 7
    assert "sort-tabs" not in more and 'hx-trigger="revealed"' not in more


def test_page_without_results_suggests_something(client: Client, world: World) -> None:
    html = client.get(PAGE, {"q": "榴莲", "category": str(world.face.pk)}).content.decode()
    assert 'data-testid="no-results"' in html
    assert 'data-testid="clear-filters"' in html
    assert "美妆护肤" in html  # categories to browse
    assert "温和氨基酸洗面奶" in html  # a best seller, suggested


def test_page_never_shows_a_suspended_merchants_product(client: Client, world: World,
                                                        operator: User) -> None:
    merchant_suspend(operator=operator, merchant_id=world.phone_shop.pk, reason="投诉")
    html = client.get(PAGE, {"q": "iphone"}).content.decode()
    assert "iPhone 15 Pro" not in html
    assert 'data-testid="no-results"' in html


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_has_the_generated_vector_and_its_gin_index(world: World) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = "
                       "'catalog_product_search_gin'")
        (definition,) = cursor.fetchone()
        assert "gin (search_vector)" in definition
        cursor.execute("SELECT search_vector::text FROM catalog_product WHERE id = %s",
                       [world["cream"].pk])
        assert "'面霜'" in cursor.fetchone()[0]
