"""The reviews demo leaves reviews of every kind and merchants at different credit levels."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Category
from trustmart.catalog.tests.factories import make_live_product
from trustmart.logistics import demo as orders_demo
from trustmart.merchants.models import Merchant
from trustmart.reviews import demo
from trustmart.reviews.models import CreditRecord, Rating, Review, SubjectType
from trustmart.stores import services as store_services

pytestmark = pytest.mark.django_db


def test_reviews_of_every_kind(make_user: Callable[..., User], tea: Category,
                               merchant: Merchant, seller: User, other_merchant: Merchant,
                               other_seller: User, operator: User,
                               django_capture_on_commit_callbacks: Any) -> None:
    products = [make_live_product(seller, merchant, tea, operator, stock=900),
                make_live_product(other_seller, other_merchant, tea, operator,
                                  name="别家 红茶 100g", price_fen=5_000, stock=900)]
    stores = []
    for n in range(2):
        owner = make_user(f"店主{n}", roles=(Role.STORE_OWNER,))
        store = store_services.store_open(owner=owner, name=f"小店{n}")
        for product in products:
            store_services.store_item_add(owner=owner, product_id=product.pk)
        stores.append(store)
    buyers = [make_user(name) for name in ("张小雨", "李晓燕", "王志强", "陈欣怡")]
    with django_capture_on_commit_callbacks(execute=True):
        orders_demo.build(random.Random(7), buyers=buyers, stores=stores, operator=operator)
        counts = demo.build(random.Random(7), buyers=buyers,
                            merchants=[merchant, other_merchant], stores=stores)
    assert counts["default"] >= 1 and counts["followups"] >= 1 and counts["replies"] >= 1
    assert counts["with_images"] >= 1 and counts["anonymous"] >= 1
    assert Rating.POSITIVE in set(Review.objects.values_list("rating", flat=True))
    assert Review.objects.exclude(rating=Rating.POSITIVE).exists()
    points = {r.subject_id: r.points for r in
              CreditRecord.objects.filter(subject_type=SubjectType.MERCHANT)}
    assert points[merchant.pk] > points[other_merchant.pk] > 0
