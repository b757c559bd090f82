"""core.services.model_update on real rows: updated_at moves with the change, only then."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from trustmart.core.services import model_update
from trustmart.merchants.models import Merchant
from trustmart.orders.models import ShippingRule


def test_updated_at_is_written_with_the_changed_fields(merchant: Merchant) -> None:
    rule = ShippingRule.objects.create(merchant=merchant, flat_fee_fen=500)
    created = rule.updated_at
    later = timezone.now() + timedelta(hours=1)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as queries:
        _, changed = model_update(rule, data={"flat_fee_fen": 800, "free_over_fen": None},
                                  fields=["flat_fee_fen", "free_over_fen"])
    assert changed
    (update,) = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert '"updated_at"' in update and '"free_over_fen"' not in update
    rule.refresh_from_db()
    assert rule.flat_fee_fen == 800 and rule.updated_at > created
    _, changed = model_update(rule, data={"flat_fee_fen": 800}, fields=["flat_fee_fen"])
    assert not changed


def test_a_foreign_key_by_its_attribute(merchant: Merchant, other_merchant: Merchant) -> None:
    rule = ShippingRule.objects.create(merchant=merchant)
    model_update(rule, data={"merchant_id": other_merchant.pk}, fields=["merchant_id"])
    assert ShippingRule.objects.get(pk=rule.pk).merchant_id == other_merchant.pk
