from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.merchants.models import Merchant

from . import factories


@pytest.fixture
def categories(db: None) -> dict[str, Any]:
    """Three top-level categories with their deposits and one sub-category."""
    beauty = factories.category("beauty", 2_000_000)
    food = factories.category("food", 1_000_000)
    digital = factories.category("digital", 3_000_000)
    tea = factories.category("tea", 0, parent=food)
    return {"beauty": beauty, "food": food, "digital": digital, "tea": tea}


@pytest.fixture
def applicant(make_user: Callable[..., User]) -> User:
    return make_user("王建国", mobile="13900000004")


@pytest.fixture
def merchant(applicant: User, operator: User, categories: dict[str, Any]) -> Merchant:
    """An approved merchant (food + beauty: ¥20,000 required), deposit not paid."""
    return factories.approved(applicant, operator, [categories["food"], categories["beauty"]])
