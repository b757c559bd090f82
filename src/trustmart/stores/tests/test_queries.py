"""The store page costs the same number of queries with 2 products or 20."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.stores import services

pytestmark = pytest.mark.django_db

# The store with its owner; the count of shown products; the page of product cards (merchant,
# category, main image and the store item's fields all in that one query).
STORE_PAGE_QUERIES = 3
# The H5 page also shows the store's credit badge (one record).
STORE_HTML_QUERIES = STORE_PAGE_QUERIES + 1


@pytest.mark.parametrize("items", [2, 20])
def test_store_page_query_count_is_constant(items: int, user: User,
                                            product_factory: Callable[..., Product],
                                            django_assert_num_queries: Any) -> None:
    store = services.store_open(owner=user, name="好店")
    for n in range(items):
        services.store_item_add(owner=user, product_id=product_factory(f"商品{n}").pk)
    client = Client()
    with django_assert_num_queries(STORE_HTML_QUERIES):
        response = client.get(f"/s/{store.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="store-product"') == items


@pytest.mark.parametrize("items", [2, 20])
def test_store_items_api_query_count_is_constant(items: int, user: User,
                                                 product_factory: Callable[..., Product],
                                                 django_assert_num_queries: Any) -> None:
    store = services.store_open(owner=user, name="好店")
    for n in range(items):
        services.store_item_add(owner=user, product_id=product_factory(f"商品{n}").pk)
    with django_assert_num_queries(STORE_PAGE_QUERIES):
        response = Client().get(f"/api/stores/{store.pk}/items")
    assert response.json()["count"] == items
