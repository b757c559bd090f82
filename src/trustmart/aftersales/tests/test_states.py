"""The case state machine, checked with the shared helper on real cases."""

from __future__ import annotations

from trustmart.accounts.models import User
from trustmart.aftersales.models import CASE_STATES, Case, CaseEvent, Kind, Status
from trustmart.catalog.models import Sku
from trustmart.core.testing import assert_state_machine

from .factories import make_order, open_case


def test_every_declared_move_wins_and_every_other_is_refused(buyer: User, sku: Sku) -> None:
    Sku.objects.filter(pk=sku.pk).update(stock=1000)

    def make() -> Case:  # a case on a line of its own (one open case per line)
        return open_case(buyer, make_order(buyer, sku, "received"), Kind.RETURN_REFUND)

    assert_state_machine(CASE_STATES, make, initial=[Status.AWAITING_MERCHANT],
                         record=lambda source, target: {"kind": f"{source}>{target}"})
    moves = set(CaseEvent.objects.exclude(kind="opened").values_list("from_status", "to_status"))
    assert moves == set(CASE_STATES.pairs())
