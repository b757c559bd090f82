"""The demo builder: six vetted brands through the services, one application waiting."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from trustmart.accounts.models import Role, User
from trustmart.accounts.selectors import user_has_role
from trustmart.merchants import demo
from trustmart.merchants.models import ApplicationDecision, Merchant, MerchantApplication
from trustmart.merchants.validators import normalize_credit_code

from .factories import category

pytestmark = pytest.mark.django_db
SLUGS = ["beauty", "baby", "food", "apparel", "home", "digital"]


def _build(make_user: Callable[..., User], operator: User, seed: int) -> list[Merchant]:
    owners = [make_user(f"店主{i}") for i in range(6)]
    categories = {slug: category(f"{slug}-{seed}", 1_000_000 * (i + 1))
                  for i, slug in enumerate(SLUGS)}
    return demo.build(random.Random(seed), owners=owners, categories=categories,
                      pending_applicant=make_user("新商家"), operator=operator)


def test_demo_builds_vetted_merchants_and_one_pending(make_user: Callable[..., User],
                                                      operator: User) -> None:
    merchants = _build(make_user, operator, 7)
    # the first owner (the demo's merchant log-in) runs 山水茶业; the rest follow the slugs
    assert [m.name for m in merchants] == ["山水茶业", "花漾肌", "暖暖母婴", "素衣记", "栖木家居",
                                           "极光数码"]
    assert [m.deposit_required_fen for m in merchants] == [
        3_000_000, 1_000_000, 2_000_000, 4_000_000, 5_000_000, 6_000_000]
    for merchant in merchants:
        assert normalize_credit_code(merchant.credit_code) == merchant.credit_code
        assert merchant.introduction and merchant.logo
        assert merchant.status == "active" and not merchant.deposit_ok
        assert user_has_role(merchant.owner, Role.MERCHANT_STAFF)
    assert set(ApplicationDecision.objects.values_list("operator", flat=True)) == {operator.pk}
    pending = MerchantApplication.objects.get(status="pending")
    assert pending.brand_name == "青禾有机"


def test_demo_randomness_comes_only_from_rng(make_user: Callable[..., User],
                                             operator: User) -> None:
    codes = [m.credit_code for m in _build(make_user, operator, 11)]
    replay = random.Random(11)
    assert codes == [demo.credit_code(replay, demo.DIVISIONS[i]) for i in range(6)]
