"""Racing phones: two opens or two adds at once still leave one store and one item."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.core.errors import Conflict
from trustmart.stores import services
from trustmart.stores.models import Store, StoreItem

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(times: int, work: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(times)
    results: list[Any] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # collected and asserted on by the caller
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_opens_at_once_make_one_store(user: User) -> None:
    results = race(4, lambda: services.store_open(owner=user, name="好店"))
    assert Store.objects.filter(owner=user).count() == 1
    assert sum(isinstance(r, Store) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Store))


def test_two_adds_at_once_make_one_item(user: User, product: Product) -> None:
    services.store_open(owner=user, name="好店")
    results = race(4, lambda: services.store_item_add(owner=user, product_id=product.pk))
    assert StoreItem.objects.count() == 1
    assert sorted(created for _item, created in results) == [False, False, False, True]
