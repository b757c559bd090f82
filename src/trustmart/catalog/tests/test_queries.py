"""The product page's SQL queries are few and do not grow with SKUs, images or batches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
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
PRODUCT_PAGE_QUERIES_LOGGED_IN = PRODUCT_HTML_QUERIES + 2


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
