"""Races of the sender on PostgreSQL with real threads: two workers sweeping the same due
deliveries send each one once, and concurrent handlers number a resource's events apart."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import User
from trustmart.core.testing import errors, race
from trustmart.developers import services
from trustmart.developers.models import Delivery, DeliveryAttempt, ResourceSequence
from trustmart.developers.services.webhooks import _next_sequence
from trustmart.merchants.models import Merchant

from .conftest import Receiver

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_workers_sweeping_at_once_send_each_delivery_once(
        receiver: Receiver, owner_a: User, merchant_a: Merchant) -> None:
    endpoint, secret = services.endpoint_create(user=owner_a, merchant_id=merchant_a.pk,
                                                url=receiver.url, event_types=["order.paid"])
    receiver.start(secret)
    for _ in range(12):
        services.endpoint_test_send(user=owner_a, endpoint_id=endpoint.pk)
    results = race(lambda _i: services.deliveries_send_due(), 3)
    assert not errors(results)
    assert sum(r for r in results if isinstance(r, int)) == 12
    assert DeliveryAttempt.objects.count() == 12
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.SUCCEEDED}
    assert len(receiver.entries()) == 12 and not receiver.entries("duplicate")


def test_concurrent_handlers_give_one_resource_distinct_sequence_numbers(
        make_user: Callable[..., User]) -> None:
    results = race(lambda _i: _next_sequence("order:T1"), 8)
    assert not errors(results)
    assert sorted(r for r in results if isinstance(r, int)) == list(range(1, 9))
    assert ResourceSequence.objects.get(resource="order:T1").last == 8
