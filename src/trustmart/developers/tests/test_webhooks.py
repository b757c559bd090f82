"""Events to signed webhook deliveries: who receives what, signatures a third party verifies
with the standardwebhooks package, retries, the circuit breaker, disabling and replay."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from standardwebhooks import Webhook

from trustmart.accounts.models import User
from trustmart.aftersales.tests.factories import make_order
from trustmart.catalog.models import Sku
from trustmart.developers import services, signing
from trustmart.developers.models import Delivery, EndpointNotice, WebhookEndpoint, WebhookMessage
from trustmart.developers.services.webhooks import RETRY_SCHEDULE
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order

from .conftest import Receiver

Capture = Callable[..., AbstractContextManager[Any]]
DEAD_URL = "https://localhost:9/never"  # discard port: nothing listens, the connection is refused


@pytest.fixture
def buyer(make_user: Callable[..., User]) -> User:
    return make_user("买家")


@pytest.fixture
def paid(buyer: User, django_capture_on_commit_callbacks: Capture) -> Callable[[Sku], Order]:
    def make(sku: Sku) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            return make_order(buyer, sku, status="paid")
    return make


def endpoint_for(owner: User, merchant: Merchant, url: str,
                 types: tuple[str, ...] = ("order.paid", "order.shipped")
                 ) -> tuple[WebhookEndpoint, str]:
    return services.endpoint_create(user=owner, merchant_id=merchant.pk, url=url,
                                    event_types=list(types))


def test_a_paid_order_reaches_its_merchants_endpoint_signed_and_only_there(
        receiver: Receiver, owner_a: User, owner_b: User, merchant_a: Merchant,
        merchant_b: Merchant, sku_a: Sku, paid: Callable[[Sku], Order]) -> None:
    endpoint, secret = endpoint_for(owner_a, merchant_a, receiver.url)
    other, _secret = endpoint_for(owner_b, merchant_b, DEAD_URL)
    receiver.start(secret)
    order = paid(sku_a)
    assert not Delivery.objects.filter(endpoint=other).exists()
    assert services.deliveries_send_due() == 1
    [got] = receiver.entries()
    message = WebhookMessage.objects.get(event_type="order.paid")
    assert got["id"] == message.msg_id and got["type"] == "order.paid"
    assert got["resource"] == {"type": "order", "id": order.order_no, "sequence": 1}
    delivery = Delivery.objects.get(endpoint=endpoint)
    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.attempts == 1
    attempt = delivery.log.get()
    assert attempt.status_code == 200 and attempt.response_body == "ok"
    body = json.loads(message.body)
    assert body["merchant_id"] == merchant_a.pk and body["data"]["order_no"] == order.order_no
    assert "buyer_id" not in body["data"]  # only declared fields leave the platform


def test_a_platform_app_receives_every_merchants_events(
        operator: User, merchant_a: Merchant, merchant_b: Merchant, sku_a: Sku, sku_b: Sku,
        paid: Callable[[Sku], Order]) -> None:
    from trustmart.accounts.models import User as UserModel
    from trustmart.developers.selectors import app_of_user

    app, _secret = services.app_register(user=operator, merchant_id=None, name="数据平台",
                                         scopes=["orders:read", "webhooks:manage"])
    as_app = UserModel.objects.get(pk=app.user_id)
    assert app_of_user(as_app) == app
    endpoint, _s = services.endpoint_create(user=as_app, url=DEAD_URL,
                                            event_types=["order.paid"])
    paid(sku_a), paid(sku_b)
    assert set(Delivery.objects.filter(endpoint=endpoint)
               .values_list("message__merchant_id", flat=True)) == {merchant_a.pk, merchant_b.pk}


def test_an_apps_endpoint_needs_the_scope_to_read_what_it_subscribes(
        owner_a: User, merchant_a: Merchant) -> None:
    from trustmart.core.errors import InvalidInput

    app, _secret = services.app_register(user=owner_a, merchant_id=merchant_a.pk, name="仓库",
                                         scopes=["stock:write", "webhooks:manage"])
    with pytest.raises(InvalidInput) as caught:
        services.endpoint_create(user=app.user, url=DEAD_URL, event_types=["order.paid"])
    assert caught.value.code == "insufficient_scope"


def test_a_rotated_secret_and_the_old_one_both_sign_during_the_overlap(
        owner_a: User, merchant_a: Merchant) -> None:
    endpoint, old = endpoint_for(owner_a, merchant_a, DEAD_URL)
    _endpoint, new = services.endpoint_secret_rotate(user=owner_a, endpoint_id=endpoint.pk,
                                                     overlap_hours=1)
    from trustmart.developers.selectors import endpoint_active_secrets

    now = int(timezone.now().timestamp())
    headers = signing.headers(secrets_=endpoint_active_secrets(endpoint=endpoint),
                              msg_id="msg_1", timestamp=now, body='{"a":1}')
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        assert endpoint_active_secrets(endpoint=endpoint) == [new]


def test_failures_are_retried_on_the_schedule_then_fail_with_the_same_id_and_body(
        owner_a: User, merchant_a: Merchant, sku_a: Sku, paid: Callable[[Sku], Order],
        settings: Any) -> None:
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CIRCUIT_FAILURES = 100
    endpoint, _secret = endpoint_for(owner_a, merchant_a, DEAD_URL)
    paid(sku_a)
    delivery = Delivery.objects.get(endpoint=endpoint)
    waits = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _attempt in range(len(RETRY_SCHEDULE) + 1):
            assert services.deliveries_send_due() == 1
            delivery.refresh_from_db()
            if delivery.next_attempt_at is None:
                break
            waits.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
            assert services.deliveries_send_due() == 0  # not due yet
            clock.move_to(delivery.next_attempt_at)
    assert waits == list(RETRY_SCHEDULE)
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 8
    log = list(delivery.log.order_by("number"))
    assert [a.number for a in log] == list(range(1, 9))
    assert {a.request_headers["webhook-id"] for a in log} == {delivery.message.msg_id}
    assert all(a.status_code is None and a.error for a in log)


def test_the_circuit_opens_then_lets_one_probe_through(
        owner_a: User, merchant_a: Merchant, sku_a: Sku, paid: Callable[[Sku], Order],
        settings: Any) -> None:
    settings.DEVELOPERS_WEBHOOK_ALLOW_PRIVATE = True
    settings.DEVELOPERS_WEBHOOK_CIRCUIT_FAILURES = 3
    endpoint, _secret = endpoint_for(owner_a, merchant_a, DEAD_URL)
    for _ in range(5):
        paid(sku_a)
    assert services.deliveries_send_due() == 3  # the third failure opens the circuit
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 3 and endpoint.circuit_open_until is not None
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        assert services.deliveries_send_due() == 0
    with time_machine.travel(endpoint.circuit_open_until + timedelta(seconds=1), tick=False):
        assert services.deliveries_send_due() == 1  # one probe; it fails and reopens
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 4


def test_an_endpoint_failing_for_days_is_disabled_told_and_can_catch_up_by_replay(
        receiver: Receiver, owner_a: User, merchant_a: Merchant, sku_a: Sku,
        paid: Callable[[Sku], Order], settings: Any) -> None:
    settings.DEVELOPERS_WEBHOOK_CIRCUIT_FAILURES = 1000
    endpoint, secret = endpoint_for(owner_a, merchant_a, receiver.url)
    paid(sku_a)  # the receiver is down: this fails for days
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        services.deliveries_send_due()
        clock.move_to(start + timedelta(days=5, minutes=1))
        Delivery.objects.update(next_attempt_at=timezone.now())
        services.deliveries_send_due()
    endpoint.refresh_from_db()
    assert endpoint.status == WebhookEndpoint.Status.DISABLED
    notice = EndpointNotice.objects.get(endpoint=endpoint)
    assert notice.merchant_id == merchant_a.pk and receiver.url in notice.text
    missed = paid(sku_a)  # nothing is queued for a disabled endpoint...
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1
    services.endpoint_update(user=owner_a, endpoint_id=endpoint.pk, status="active")
    receiver.start(secret)
    # ...but a replay of the time range sends what it missed, and the failed one again.
    assert services.deliveries_replay(user=owner_a, endpoint_id=endpoint.pk,
                                      since=start - timedelta(minutes=1)) == 2
    assert services.deliveries_send_due() == 2
    assert {e["resource"]["id"] for e in receiver.entries()} >= {missed.order_no}
    assert set(Delivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {
        Delivery.Status.SUCCEEDED}


def test_a_test_message_is_queued_and_sent_by_the_worker(
        receiver: Receiver, owner_a: User, merchant_a: Merchant) -> None:
    endpoint, secret = endpoint_for(owner_a, merchant_a, receiver.url)
    receiver.start(secret)
    delivery = services.endpoint_test_send(user=owner_a, endpoint_id=endpoint.pk)
    assert delivery.status == Delivery.Status.PENDING and not receiver.entries()
    services.deliveries_send_due()
    assert [e["type"] for e in receiver.entries()] == ["webhook.test"]


def test_sequence_numbers_count_each_resources_events(
        owner_a: User, merchant_a: Merchant, sku_a: Sku, paid: Callable[[Sku], Order],
        django_capture_on_commit_callbacks: Capture) -> None:
    from trustmart.orders import services as order_services

    endpoint_for(owner_a, merchant_a, DEAD_URL)
    first, second = paid(sku_a), paid(sku_a)
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_ship(order_no=first.order_no)
    sequences = {(m.resource, m.event_type): m.sequence for m in WebhookMessage.objects.all()}
    assert sequences == {(f"order:{first.order_no}", "order.paid"): 1,
                         (f"order:{second.order_no}", "order.paid"): 1,
                         (f"order:{first.order_no}", "order.shipped"): 2}
