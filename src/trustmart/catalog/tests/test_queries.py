"""The product page's SQL queries are few and do not grow with SKUs, images or batches; from
the page cache it costs one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog import services
from trustmart.catalog.models import Batch, Certificate, Product, ProductImage

pytestmark = pytest.mark.django_db

# One product query (with merchant and category chain joined) plus one prefetch each of images,
# SKUs, spec options, batches and certificates.
PRODUCT_PAGE_QUERIES = 6
# The H5 page adds the reviews block: the review summary and the merchant's credit record.
PRODUCT_HTML_QUERIES = PRODUCT_PAGE_QUERIES + 2
# Logged in: the user, read by the authentication middleware (sessions come from the cache),
# and the number of items in their cart for the tab bar's badge.
LOGGED_IN_QUERIES = 2
PRODUCT_PAGE_QUERIES_LOGGED_IN = PRODUCT_HTML_QUERIES + LOGGED_IN_QUERIES
# With the page cache: the visibility check (which also reads the merchant card's fingerprint
# for the key) always; the product and review queries only on a miss.
PRODUCT_PAGE_CACHE_HIT = 1
PRODUCT_PAGE_CACHE_MISS = PRODUCT_PAGE_CACHE_HIT + PRODUCT_HTML_QUERIES


def _grow(product: Product, n: int) -> None:
    """Add ``n`` more images, batches and certificates (rows straight, to keep it quick)."""
    first = product.images.first()
    assert first is not None
    today = timezone.localdate()
    for i in range(n):
        ProductImage.objects.create(product=product, image=first.image.name, position=10 + i)
        Batch.objects.create(product=product, batch_no=f"X{product.pk}-{i}",
                             production_date=today - timedelta(days=i), shelf_life_days=300,
                             expires_on=today + timedelta(days=300 - i))
        Certificate.objects.create(product=product, name=f"报告{i}",
                                   file="certificates/x.pdf")


@override_settings(PRODUCT_PAGE_CACHE_SECONDS=0)
def test_product_page_query_count_is_constant(
        live: Product, seller: User, django_assert_num_queries: Callable[..., Any]) -> None:
    client = Client()
    client.get(f"/p/{live.pk}/")  # warm: sessions, content types, translations
    with django_assert_num_queries(PRODUCT_HTML_QUERIES):
        assert client.get(f"/p/{live.pk}/").status_code == 200
    services.product_skus_define(user=seller, product_id=live.pk, price_fen=9900, stock=3,
                                 options=[services.SpecOptionInput("颜色", ["红", "黄", "蓝"]),
                                          services.SpecOptionInput("规格", ["S", "M", "L"])])
    _grow(live, 6)
    with django_assert_num_queries(PRODUCT_HTML_QUERIES):
        response = client.get(f"/p/{live.pk}/")
    html = response.content.decode()
    assert html.count('data-name="颜色"') == 4  # the option and its 3 chips
    assert all(f"<td>X{live.pk}-{i}</td>" in html for i in range(6))  # every batch listed


@override_settings(PRODUCT_PAGE_CACHE_SECONDS=0)
def test_logged_in_product_page_adds_only_the_user(
        live: Product, user: User, django_assert_num_queries: Callable[..., Any]) -> None:
    client = Client()
    client.force_login(user)
    client.get(f"/p/{live.pk}/")
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES_LOGGED_IN):
        assert client.get(f"/p/{live.pk}/").status_code == 200


def test_api_detail_uses_the_same_queries(
        live: Product, django_assert_num_queries: Callable[..., Any]) -> None:
    _grow(live, 4)
    client = Client()
    with django_assert_num_queries(PRODUCT_PAGE_QUERIES):
        assert client.get(f"/api/catalog/products/{live.pk}").status_code == 200


def test_cached_product_page_costs_one_query(
        live: Product, seller: User, django_assert_num_queries: Callable[..., Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.get("/p/999999/")  # warm: sessions, content types, translations (a 404)
    with django_assert_num_queries(PRODUCT_PAGE_CACHE_MISS):
        first = client.get(f"/p/{live.pk}/")
    with django_assert_num_queries(PRODUCT_PAGE_CACHE_HIT):
        again = client.get(f"/p/{live.pk}/")
    assert first.status_code == again.status_code == 200
    services.product_update(user=seller, product_id=live.pk, purchase_limit=5)
    with django_assert_num_queries(PRODUCT_PAGE_CACHE_MISS):
        assert "At most 5 per order." in client.get(f"/p/{live.pk}/").content.decode()
    with django_assert_num_queries(PRODUCT_PAGE_CACHE_HIT):
        assert client.get(f"/p/{live.pk}/").status_code == 200


def test_cached_product_page_logged_in_adds_only_the_user(
        live: Product, user: User, django_assert_num_queries: Callable[..., Any]) -> None:
    client = Client()
    client.force_login(user)
    client.get(f"/p/{live.pk}/")
    with django_assert_num_queries(PRODUCT_PAGE_CACHE_HIT + LOGGED_IN_QUERIES):
        assert client.get(f"/p/{live.pk}/").status_code == 200
