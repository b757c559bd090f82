"""A share going viral: a burst of clicks on one share from many threads at once."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.sharing import services
from trustmart.sharing.models import Binding, Visit
from trustmart.stores.models import Store

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS, CLICKS = 8, 50


def test_burst_on_one_share_records_every_visit(make_user: Callable[..., User],
                                                product: Product,
                                                open_store: Callable[..., Store]) -> None:
    owner = make_user()
    open_store(owner, product)
    share = services.share_create(user=owner, target="product", product_id=product.pk,
                                  channel="weibo")
    visitors = [make_user() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def click(n: int) -> None:
        try:
            barrier.wait()
            for i in range(CLICKS):
                # half anonymous devices (each a repeat after its first), half a logged-in user
                visitor = visitors[n] if i % 2 else None
                services.visit_record(code=share.code, channel="weibo", visitor=visitor,
                                      device_id=f"t{n}-{i % 5}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Visit.objects.filter(share=share).count() == THREADS * CLICKS
    # every visitor bound once, to the owner, despite the racing binds
    assert Binding.objects.filter(sharer=owner).count() == THREADS
    counted = Visit.objects.filter(share=share, counted=True).count()
    assert THREADS <= counted <= THREADS * 6  # repeats inside the window are not counted
