"""The commission policy and its compliance rules (合规).

Changing the policy is an operator's act, recorded with who and why; a change that would break a
rule is refused with an explanation and changes nothing. The rules are fixed in code, not
settings, because they are what keeps commissions lawful:

* no more than two levels exist (there is no setting for a third; the model cannot hold one);
* all levels together may never exceed ``MAX_TOTAL_CEILING_BPS`` of the paid price;
* level 2 may not be switched on with a zero rate, may not exceed ``LEVEL2_CEILING_BPS`` and
  must stay below the typical (median) level-1 rate of live products and below half the cap:
  the direct sharer's reward must always be the bigger one;
* there is no entry fee and no reward for recruiting: the policy has no field for either.
"""

from __future__ import annotations

from statistics import median_low
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.catalog.selectors import COMMISSION_CEILING_BPS, bps_as_percent
from trustmart.core.errors import invalid
from trustmart.core.money import format_fen
from trustmart.merchants.selectors import require_operator

from ..models import CommissionPolicy

MAX_TOTAL_CEILING_BPS = COMMISSION_CEILING_BPS  # 50%, published on /rules/commission
LEVEL2_CEILING_BPS = 1000
WITHDRAWAL_MIN_FLOOR_FEN = 100
MAX_CLICK_TO_PAY_SECONDS = 3600

POLICY_FIELDS = ("level2_enabled", "level2_bps", "max_total_bps", "allow_self_purchase",
                 "withdrawal_min_fen", "withdrawal_daily_limit_fen", "min_click_to_pay_seconds")


def policy_current() -> CommissionPolicy:
    """The policy in force: the newest version, or the defaults before anyone changed it."""
    return CommissionPolicy.objects.order_by("-pk").first() or CommissionPolicy()


def typical_level1_bps() -> int | None:
    """The median commission rate of live products (``None`` when there are none)."""
    rates = list(Product.objects.filter(status=Product.Status.LIVE)
                 .values_list("commission_bps", flat=True))
    return median_low(rates) if rates else None


def _whole(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid(field, _("Enter a whole number that is not negative."),
                      code="policy_not_a_number")
    return value


def policy_validate(values: dict[str, Any]) -> None:
    """Raise ``InvalidInput`` with the first broken rule, explained in plain words."""
    for field in POLICY_FIELDS:
        if field not in ("level2_enabled", "allow_self_purchase"):
            _whole(field, values[field])
    if values["max_total_bps"] > MAX_TOTAL_CEILING_BPS:
        raise invalid("max_total_bps", _(
            "All levels together may not exceed %(ceiling)s%% of the price paid: a larger "
            "commission would turn selling into recruiting.")
            % {"ceiling": MAX_TOTAL_CEILING_BPS // 100}, code="policy_cap_too_high")
    if values["level2_enabled"]:
        level2 = values["level2_bps"]
        if level2 == 0:
            raise invalid("level2_bps", _("Level 2 cannot be switched on with a rate of 0."),
                          code="policy_level2_zero")
        if level2 > LEVEL2_CEILING_BPS:
            raise invalid("level2_bps", _("The level 2 rate may not exceed %(ceiling)s%%.")
                          % {"ceiling": LEVEL2_CEILING_BPS // 100},
                          code="policy_level2_too_high")
        if level2 * 2 > values["max_total_bps"]:
            raise invalid("level2_bps", _(
                "The level 2 rate may be at most half of the cap on all levels, so the direct "
                "sharer always earns more."), code="policy_level2_over_half_cap")
        typical = typical_level1_bps()
        if typical is not None and level2 >= typical:
            raise invalid("level2_bps", _(
                "The level 2 rate must stay below the typical level 1 rate of products "
                "(%(typical)s bps): the sharer who sells earns more than the one who shared "
                "before them.") % {"typical": typical}, code="policy_level2_over_level1")
    if values["withdrawal_min_fen"] < WITHDRAWAL_MIN_FLOOR_FEN:
        raise invalid("withdrawal_min_fen", _("The minimum withdrawal is at least %(min)s.")
                      % {"min": format_fen(WITHDRAWAL_MIN_FLOOR_FEN)},
                      code="policy_withdrawal_min_too_low")
    if values["withdrawal_daily_limit_fen"] < values["withdrawal_min_fen"]:
        raise invalid("withdrawal_daily_limit_fen", _(
            "The daily withdrawal limit cannot be below the minimum withdrawal."),
            code="policy_daily_limit_below_min")
    if values["min_click_to_pay_seconds"] > MAX_CLICK_TO_PAY_SECONDS:
        raise invalid("min_click_to_pay_seconds", _("At most one hour (3600 seconds)."),
                      code="policy_click_to_pay_too_long")


def policy_bounds_check(*, max_bps: int) -> None:
    """Refuse product commission bounds whose maximum exceeds the cap the policy in force
    publishes (registered with ``catalog.services.commission_bounds_check``): a product may not
    promise sharers a rate the platform would then cut."""
    cap = int(policy_current().max_total_bps)
    if max_bps > cap:
        raise invalid("max_bps", _(
            "The maximum commission may not exceed %(cap)s, the cap on all commissions of a sale "
            "together in the commission policy (see the published commission rules).")
            % {"cap": bps_as_percent(cap)}, code="commission_bounds_over_cap")


@transaction.atomic
def policy_change(*, user: User | AnonymousUser, note: str = "",
                  level2_enabled: bool | None = None, level2_bps: int | None = None,
                  max_total_bps: int | None = None, allow_self_purchase: bool | None = None,
                  withdrawal_min_fen: int | None = None,
                  withdrawal_daily_limit_fen: int | None = None,
                  min_click_to_pay_seconds: int | None = None) -> CommissionPolicy:
    """An operator changes the policy: the fields given, checked against the rules above.
    The previous versions stay as the history."""
    operator = require_operator(user)
    current = policy_current()
    given = {"level2_enabled": level2_enabled, "level2_bps": level2_bps,
             "max_total_bps": max_total_bps, "allow_self_purchase": allow_self_purchase,
             "withdrawal_min_fen": withdrawal_min_fen,
             "withdrawal_daily_limit_fen": withdrawal_daily_limit_fen,
             "min_click_to_pay_seconds": min_click_to_pay_seconds}
    values = {field: getattr(current, field) if given[field] is None else given[field]
              for field in POLICY_FIELDS}
    values["level2_enabled"] = bool(values["level2_enabled"])
    values["allow_self_purchase"] = bool(values["allow_self_purchase"])
    policy_validate(values)
    note = note.strip()
    if len(note) > 200:
        raise invalid("note", _("This is too long."), code="note_too_long")
    return CommissionPolicy.objects.create(changed_by=operator, note=note, **values)
