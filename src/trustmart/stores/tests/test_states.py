"""The store's open/closed machine, checked with the shared helper."""

from __future__ import annotations

from collections.abc import Callable

from trustmart.accounts.models import User
from trustmart.core.testing import assert_state_machine
from trustmart.stores import services
from trustmart.stores.models import Store
from trustmart.stores.services import STORE_STATES


def test_store_moves(make_user: Callable[..., User]) -> None:
    assert_state_machine(STORE_STATES, lambda: services.store_open(owner=make_user(),
                                                                   name="我的小店"),
                         initial=[Store.Status.OPEN])
