"""Real threads against PostgreSQL: racing operators never make two merchants, and racing
status transitions have exactly one winner."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import Role, User
from trustmart.core import testing
from trustmart.core.errors import Conflict
from trustmart.merchants import services
from trustmart.merchants.models import (
    ApplicationDecision,
    Merchant,
    MerchantStaff,
    MerchantStatusChange,
)

from .factories import approved, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def race(work: Callable[[int], str], count: int = THREADS) -> Counter[str]:
    """Start ``count`` threads at once; each says "won" or "lost"; anything else fails."""
    results = testing.race(work, count)
    assert not testing.errors(results), testing.errors(results)
    return Counter(str(r) for r in results)


@pytest.fixture
def operators(make_user: Callable[..., User]) -> list[User]:
    return [make_user(f"运营{i}", roles=(Role.OPERATOR,)) for i in range(THREADS)]


def test_operators_approving_at_once_create_one_merchant(
        applicant: User, operators: list[User], categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"]])

    def approve(i: int) -> str:
        try:
            services.application_approve(operator=operators[i], application_id=application.pk)
        except Conflict as exc:
            assert exc.code == "application_already_decided"
            return "lost"
        return "won"

    assert race(approve) == Counter({"won": 1, "lost": THREADS - 1})
    assert Merchant.objects.count() == 1
    assert MerchantStaff.objects.count() == 1
    assert ApplicationDecision.objects.count() == 1


def test_approve_racing_reject_has_one_winner(applicant: User, operators: list[User],
                                              categories: dict[str, Any]) -> None:
    application = submit(applicant, [categories["food"]])

    def decide(i: int) -> str:
        try:
            if i % 2:
                services.application_reject(operator=operators[i],
                                            application_id=application.pk, reason="no")
            else:
                services.application_approve(operator=operators[i],
                                             application_id=application.pk)
        except Conflict:
            return "lost"
        return "won"

    assert race(decide)["won"] == 1
    assert ApplicationDecision.objects.count() == 1
    application.refresh_from_db()
    assert Merchant.objects.count() == (1 if application.status == "approved" else 0)


def test_racing_suspensions_have_one_winner(applicant: User, operators: list[User],
                                            categories: dict[str, Any]) -> None:
    merchant = approved(applicant, operators[0], [categories["food"]])

    def suspend(i: int) -> str:
        try:
            services.merchant_suspend(operator=operators[i], merchant_id=merchant.pk,
                                      reason=f"reason {i}")
        except Conflict:
            return "lost"
        return "won"

    assert race(suspend) == Counter({"won": 1, "lost": THREADS - 1})
    assert MerchantStatusChange.objects.count() == 1
