"""The commission state machine, checked with the shared helper on real commissions."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from trustmart.commissions.models import COMMISSION_STATES, Commission
from trustmart.core.testing import assert_state_machine

from .conftest import World


def test_commission_moves(world: World) -> None:
    def make() -> Commission:
        order = world.buy()
        commission = Commission.objects.filter(order_no=order.order_no).order_by("pk").first()
        assert commission is not None
        return commission

    now = timezone.now()
    stamps: dict[str, dict[str, Any]] = {Commission.Status.AVAILABLE: {"released_at": now},
                                         Commission.Status.CANCELLED: {"cancelled_at": now}}
    assert_state_machine(COMMISSION_STATES, make, initial=[Commission.Status.PENDING],
                         prepare=lambda status: stamps.get(status, {}),
                         fields=lambda _source, target: stamps.get(target, {}))
