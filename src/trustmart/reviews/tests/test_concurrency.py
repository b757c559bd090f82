"""Racing phones: two submits of one review, two replies, reviews of one merchant at once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import Conflict
from trustmart.core.testing import race
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order
from trustmart.reviews import services
from trustmart.reviews.models import CreditRecord, Rating, Review, SubjectType

from .factories import received_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def write(buyer: User, order: Order) -> Review:
    return services.review_create(buyer=buyer, line_id=order.lines.get().pk,
                                  rating=Rating.POSITIVE, description_stars=5,
                                  service_stars=5, logistics_stars=5)


def test_two_submits_make_one_review(buyer: User, order: Order, merchant: Merchant) -> None:
    results = race(lambda _n: write(buyer, order), 4)
    assert Review.objects.count() == 1
    assert sum(isinstance(r, Review) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Review))
    record = CreditRecord.objects.get(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk)
    assert record.good_total == 1


def test_two_replies_one_wins(buyer: User, order: Order, seller: User) -> None:
    review = write(buyer, order)
    results = race(lambda n: services.review_reply(user=seller, review_id=review.pk,
                                                   text=f"谢谢{n}"), 3)
    assert sum(isinstance(r, Review) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 2


def test_reviews_of_one_merchant_at_once_all_count(sku: Sku, merchant: Merchant,
                                                   make_user: Callable[..., User]) -> None:
    orders = [(b, received_order(b, sku)) for b in (make_user(f"买家{n}") for n in range(4))]
    results = race(lambda n: write(*orders[n]), 4)
    assert all(isinstance(r, Review) for r in results)
    record = CreditRecord.objects.get(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk)
    assert record.good_total == 4 and record.points == 4
