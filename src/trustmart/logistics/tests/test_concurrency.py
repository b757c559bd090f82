"""Real threads against PostgreSQL: two "first" packages at once ship the order exactly once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from trustmart.accounts.models import User
from trustmart.logistics import services
from trustmart.logistics.models import Shipment
from trustmart.orders.models import Order, OrderEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PACKAGES = 6


def test_racing_first_packages_ship_once(seller: User, order: Order) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and real concurrency need PostgreSQL")
    start = threading.Barrier(PACKAGES)
    errors: list[BaseException] = []

    def ship(i: int) -> None:
        try:
            start.wait()
            services.shipment_create(user=seller, order_no=order.order_no, carrier="ZTO",
                                     tracking_no=f"7531234567{i:04d}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ship, args=(i,)) for i in range(PACKAGES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert Shipment.objects.filter(order=order).count() == PACKAGES
    assert OrderEvent.objects.filter(order=order, kind="shipped").count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
