"""The demo builds pending, available and flagged commissions through the real services."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.commissions import demo
from trustmart.commissions.models import Commission
from trustmart.ledger.selectors import ledger_check
from trustmart.logistics import demo as orders_demo

from .conftest import World, clearing

pytestmark = pytest.mark.django_db


def test_demo_commissions(world: World, operator: User, make_user: Callable[..., User],
                          django_capture_on_commit_callbacks: Any) -> None:
    buyers = [make_user(name) for name in ("张小雨", "李晓燕", "王志强")]
    stores = [world.store_a, world.store_b]
    with django_capture_on_commit_callbacks(execute=True):
        orders_demo.build(random.Random(7), buyers=buyers, stores=stores, operator=operator)
        counts = demo.build(random.Random(7), buyers=buyers, stores=stores)
    assert counts["pending"] > 0 and counts["available"] > 0 and counts["flagged"] == 1
    assert counts == {status: Commission.objects.filter(status=status).count()
                      for status in Commission.Status.values} | {"flagged": 1}
    flagged = Commission.objects.get(review_status=Commission.Review.FLAGGED)
    assert flagged.review_reasons == ["address_mobile"]
    assert clearing() == 0
    assert ledger_check() == []
