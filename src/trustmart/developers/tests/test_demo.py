"""The open-platform demo: an app with calls, an endpoint whose deliveries failed as an
unreachable receiver fails, and a disabled endpoint with its notice."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from trustmart.accounts.models import User
from trustmart.aftersales.tests.factories import make_order
from trustmart.catalog.models import Sku
from trustmart.developers import demo
from trustmart.developers.models import (
    ApiCall,
    Delivery,
    DeliveryAttempt,
    EndpointNotice,
    WebhookEndpoint,
)
from trustmart.merchants.models import Merchant


def test_the_demo_shows_failed_deliveries_and_a_disabled_endpoint(
        owner_a: User, merchant_a: Merchant, sku_a: Sku, make_user: Callable[..., User],
        django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]]) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            make_order(make_user(), sku_a, status="paid")
    counts = demo.build(owner=owner_a, merchant=merchant_a)
    assert counts["queued"] == 3 and counts["attempted"] == 3
    assert ApiCall.objects.filter(merchant_id=merchant_a.pk).count() == 4
    live = WebhookEndpoint.objects.get(url=demo.DEMO_URL)
    assert live.status == WebhookEndpoint.Status.ACTIVE and live.consecutive_failures == 3
    assert set(Delivery.objects.filter(endpoint=live).values_list("status", flat=True)) == {
        Delivery.Status.PENDING}
    errors = set(DeliveryAttempt.objects.values_list("error", flat=True))
    assert errors == {"refused: this address is not public"}
    old = WebhookEndpoint.objects.get(url=demo.DEMO_OLD_URL)
    assert old.status == WebhookEndpoint.Status.DISABLED
    assert EndpointNotice.objects.get(endpoint=old).merchant_id == merchant_a.pk
