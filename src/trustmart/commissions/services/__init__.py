"""Every write of the commissions app."""

from .lifecycle import (
    clearing_account_id,
    commission_cancel,
    commission_release,
    commissions_adjust_for_refund,
    commissions_create_for_order,
    commissions_release_for_order,
    commissions_release_for_orders,
    commissions_release_settled,
    earner_account_id,
)
from .policy import policy_bounds_check, policy_change, policy_current, policy_validate
from .review import commission_approve, commission_reject
from .withdrawals import commission_withdraw

__all__ = [
    "clearing_account_id", "commission_approve", "commission_cancel", "commission_reject",
    "commission_release", "commission_withdraw", "commissions_adjust_for_refund",
    "commissions_create_for_order", "commissions_release_for_order",
    "commissions_release_for_orders", "commissions_release_settled", "earner_account_id",
    "policy_bounds_check", "policy_change", "policy_current", "policy_validate",
]
