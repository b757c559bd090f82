"""Racing phones: two submits of one review, two replies, reviews of one merchant at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import Conflict
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order
from trustmart.reviews import services
from trustmart.reviews.models import CreditRecord, Rating, Review, SubjectType

from .factories import received_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(times: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(times)
    results: list[Any] = []

    def run(n: int) -> None:
        try:
            barrier.wait()
            results.append(work(n))
        except Exception as exc:  # collected and asserted on by the caller
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def write(buyer: User, order: Order) -> Review:
    return services.review_create(buyer=buyer, line_id=order.lines.get().pk,
                                  rating=Rating.POSITIVE, description_stars=5,
                                  service_stars=5, logistics_stars=5)


def test_two_submits_make_one_review(buyer: User, order: Order, merchant: Merchant) -> None:
    results = race(4, lambda _n: write(buyer, order))
    assert Review.objects.count() == 1
    assert sum(isinstance(r, Review) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Review))
    record = CreditRecord.objects.get(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk)
    assert record.good_total == 1


def test_two_replies_one_wins(buyer: User, order: Order, seller: User) -> None:
    review = write(buyer, order)
    results = race(3, lambda n: services.review_reply(user=seller, review_id=review.pk,
                                                      text=f"谢谢{n}"))
    assert sum(isinstance(r, Review) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 2


def test_reviews_of_one_merchant_at_once_all_count(sku: Sku, merchant: Merchant,
                                                   make_user: Callable[..., User]) -> None:
    orders = [(b, received_order(b, sku)) for b in (make_user(f"买家{n}") for n in range(4))]
    results = race(4, lambda n: write(*orders[n]))
    assert all(isinstance(r, Review) for r in results)
    record = CreditRecord.objects.get(subject_type=SubjectType.MERCHANT, subject_id=merchant.pk)
    assert record.good_total == 4 and record.points == 4
