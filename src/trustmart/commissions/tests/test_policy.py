"""The policy: operator-only changes, history, and the compliance (合规) refusals."""

from __future__ import annotations

import inspect

import pytest

from trustmart.accounts.models import User
from trustmart.commissions import services
from trustmart.commissions.models import CommissionPolicy
from trustmart.core.errors import InvalidInput, NotFound

from .conftest import World

pytestmark = pytest.mark.django_db


def test_defaults_before_any_change() -> None:
    policy = services.policy_current()
    assert policy.pk is None
    assert (policy.level2_enabled, policy.allow_self_purchase) == (False, False)


def test_change_keeps_history_and_who(operator: User) -> None:
    services.policy_change(user=operator, level2_enabled=True, level2_bps=200, note="开放二级")
    services.policy_change(user=operator, withdrawal_min_fen=500)
    current = services.policy_current()
    assert current.level2_enabled and current.withdrawal_min_fen == 500
    assert current.changed_by == operator
    assert CommissionPolicy.objects.count() == 2
    assert CommissionPolicy.objects.order_by("pk").first().note == "开放二级"  # type: ignore[union-attr]


def test_only_operators_change(user: User) -> None:
    with pytest.raises(NotFound):
        services.policy_change(user=user, max_total_bps=1000)


@pytest.mark.parametrize(("changes", "code"), [
    ({"max_total_bps": 5001}, "policy_cap_too_high"),
    ({"level2_enabled": True, "level2_bps": 0}, "policy_level2_zero"),
    ({"level2_enabled": True, "level2_bps": 1001, "max_total_bps": 5000},
     "policy_level2_too_high"),
    ({"level2_enabled": True, "level2_bps": 800, "max_total_bps": 1500},
     "policy_level2_over_half_cap"),
    ({"level2_bps": -1}, "policy_not_a_number"),
    ({"withdrawal_min_fen": 50}, "policy_withdrawal_min_too_low"),
    ({"withdrawal_min_fen": 10_000, "withdrawal_daily_limit_fen": 5_000},
     "policy_daily_limit_below_min"),
    ({"min_click_to_pay_seconds": 7200}, "policy_click_to_pay_too_long"),
])
def test_compliance_refusals(operator: User, changes: dict[str, object], code: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.policy_change(user=operator, **changes)  # type: ignore[arg-type]
    assert exc.value.code == code
    assert str(exc.value.message)
    assert not CommissionPolicy.objects.exists()


def test_level2_must_stay_below_typical_level1(world: World, operator: User) -> None:
    # The world's one live product pays 10% (1000 bps) at level 1.
    with pytest.raises(InvalidInput) as exc:
        services.policy_change(user=operator, level2_enabled=True, level2_bps=1000,
                               max_total_bps=5000)
    assert exc.value.code == "policy_level2_over_level1"
    services.policy_change(user=operator, level2_enabled=True, level2_bps=999,
                           max_total_bps=5000)


def test_no_setting_for_a_third_level_entry_fees_or_recruiting() -> None:
    names = set(inspect.signature(services.policy_change).parameters)
    fields = {f.name for f in CommissionPolicy._meta.get_fields()}
    for forbidden in ("level3", "fee", "recruit", "entry", "invite", "bounty"):
        assert not any(forbidden in name for name in names | fields)
    with pytest.raises(TypeError):
        services.policy_change(user=None, entry_fee_fen=100)  # type: ignore[call-arg,arg-type]
