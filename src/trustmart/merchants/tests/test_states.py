"""The merchant and application state machines, checked with the shared helper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trustmart.accounts.models import User
from trustmart.core.testing import assert_state_machine
from trustmart.merchants.models import Merchant, MerchantApplication, MerchantStatusChange
from trustmart.merchants.services.applications import APPLICATION_STATES
from trustmart.merchants.services.status import MERCHANT_STATES

from . import factories


def test_merchant_moves(make_user: Callable[..., User], operator: User,
                        categories: dict[str, Any]) -> None:
    def make() -> Merchant:
        return factories.approved(make_user(), operator, [categories["food"]])

    assert_state_machine(MERCHANT_STATES, make, initial=[Merchant.Status.ACTIVE],
                         record=lambda source, target: {"reason": f"{source}>{target}"})
    moves = set(MerchantStatusChange.objects.values_list("from_status", "to_status"))
    assert moves == set(MERCHANT_STATES.pairs())


def test_application_moves(make_user: Callable[..., User], categories: dict[str, Any]) -> None:
    def make() -> MerchantApplication:
        return factories.submit(make_user(), [categories["food"]])

    assert_state_machine(APPLICATION_STATES, make, initial=[MerchantApplication.Status.PENDING])
