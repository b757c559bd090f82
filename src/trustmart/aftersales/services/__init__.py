"""Writes of the aftersales app. ``cases``: opening and every party's move, the clock;
``compensation``: 假一赔十 from the guarantee deposit; ``debts``: repaying what the guarantee
fund advanced; ``base``: shared pieces."""

from .cases import (
    KINDS_BY_ORDER_STATUS,
    case_arbitrate,
    case_deadline_pass,
    case_escalate,
    case_merchant_accept,
    case_merchant_offer,
    case_merchant_reject,
    case_message_post,
    case_offer_accept,
    case_offer_decline,
    case_open,
    case_return_confirm,
    case_return_ship,
    case_withdraw,
    cases_due_sweep,
    kinds_for_order,
)
from .compensation import compensation_amount_fen, compensation_reference, pay_compensation
from .debts import (
    debt_payment_create,
    debt_repay,
    debt_withdrawal_check,
    debts_repay_for_settlement,
)

__all__ = [
    "KINDS_BY_ORDER_STATUS",
    "case_arbitrate",
    "case_deadline_pass",
    "case_escalate",
    "case_merchant_accept",
    "case_merchant_offer",
    "case_merchant_reject",
    "case_message_post",
    "case_offer_accept",
    "case_offer_decline",
    "case_open",
    "case_return_confirm",
    "case_return_ship",
    "case_withdraw",
    "cases_due_sweep",
    "compensation_amount_fen",
    "compensation_reference",
    "debt_payment_create",
    "debt_repay",
    "debt_withdrawal_check",
    "debts_repay_for_settlement",
    "kinds_for_order",
    "pay_compensation",
]
