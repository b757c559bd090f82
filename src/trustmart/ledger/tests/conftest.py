"""Fixtures for ledger tests: a small set of platform and merchant accounts."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.ledger.models import Account, Entry, Hold, Journal, Purpose
from trustmart.ledger.services import Leg, account_get_or_create, post

Snapshot = tuple[object, ...]


def platform(purpose: str) -> Account:
    return account_get_or_create(owner_type="platform", owner_id=None, purpose=purpose)


@pytest.fixture
def source(db: None) -> Account:
    """Money from outside: may go negative."""
    return platform(Purpose.EXTERNAL_PAYMENT_SOURCE)


@pytest.fixture
def escrow(db: None) -> Account:
    return platform(Purpose.PLATFORM_ESCROW)


@pytest.fixture
def revenue(db: None) -> Account:
    return platform(Purpose.PLATFORM_REVENUE)


@pytest.fixture
def payable(db: None) -> Account:
    return account_get_or_create(owner_type="merchant", owner_id=7,
                                 purpose=Purpose.MERCHANT_PAYABLE)


@pytest.fixture
def fund(source: Account) -> Callable[[Account, int], Journal]:
    """Bring ``amount`` fen from outside into ``account``."""

    def fund(account: Account, amount: int) -> Journal:
        return post(entries=[Leg.debit(source, amount), Leg.credit(account, amount)],
                    kind="test.fund")

    return fund


def snapshot() -> Snapshot:
    """Everything a refused call must leave untouched."""
    return (
        list(Account.objects.order_by("pk").values_list(
            "pk", "debits_posted_fen", "credits_posted_fen", "debits_pending_fen",
            "credits_pending_fen")),
        Journal.objects.count(),
        Entry.objects.count(),
        list(Hold.objects.order_by("pk").values_list("pk", "status", "posted_amount_fen")),
    )


def fresh(account: Account) -> Account:
    return Account.objects.get(pk=account.pk)
