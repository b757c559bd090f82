"""The promise: a receiver that crashes mid-run still gets every event, exactly once by id.

The receiver is a real process that verifies signatures with the standardwebhooks package and
kills itself with SIGKILL after storing the third message but before answering, the worst
moment: we must send that one again, and it must recognise it by its webhook-id."""

from __future__ import annotations

import signal
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.aftersales.tests.factories import make_order
from trustmart.catalog.models import Sku
from trustmart.developers import services
from trustmart.developers.models import Delivery, WebhookMessage
from trustmart.merchants.models import Merchant
from trustmart.orders import services as order_services

from .conftest import Receiver

Capture = Callable[..., AbstractContextManager[Any]]


def test_every_event_arrives_exactly_once_by_id_after_the_receiver_is_killed(
        receiver: Receiver, owner_a: User, merchant_a: Merchant, sku_a: Sku,
        make_user: Callable[..., User], django_capture_on_commit_callbacks: Capture) -> None:
    endpoint, secret = services.endpoint_create(
        user=owner_a, merchant_id=merchant_a.pk, url=receiver.url,
        event_types=["order.paid", "order.shipped"])
    receiver.start(secret, die_on=3)
    buyer = make_user("买家")
    with django_capture_on_commit_callbacks(execute=True):
        orders = [make_order(buyer, sku_a, status="paid") for _ in range(4)]
        for order in orders[:2]:
            order_services.order_ship(order_no=order.order_no)
    expected = set(WebhookMessage.objects.values_list("msg_id", flat=True))
    assert len(expected) == 6

    services.deliveries_send_due()
    assert receiver.wait_dead() == -signal.SIGKILL
    assert Delivery.objects.filter(status=Delivery.Status.SUCCEEDED).count() == 2

    receiver.start(secret)  # back up, with its store of the ids it already has
    for _round in range(5):
        pending = Delivery.objects.filter(status=Delivery.Status.PENDING)
        if not pending.exists():
            break
        pending.update(next_attempt_at=timezone.now())  # their backoff has passed
        services.deliveries_send_due()

    accepted = [entry["id"] for entry in receiver.entries()]
    assert sorted(accepted) == sorted(expected)  # every id arrived, none twice
    duplicates = [entry["id"] for entry in receiver.entries("duplicate")]
    assert len(duplicates) == 1 and duplicates[0] in accepted
    assert not receiver.entries("rejected")
    deliveries = Delivery.objects.filter(endpoint=endpoint)
    assert {d.status for d in deliveries} == {Delivery.Status.SUCCEEDED}
    killed = deliveries.get(message__msg_id=duplicates[0])
    log = list(killed.log.order_by("number"))
    assert [a.succeeded for a in log] == [False, True]
    assert {a.request_headers["webhook-id"] for a in log} == {duplicates[0]}
