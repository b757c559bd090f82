"""Every write about payments. Import from here: ``from trustmart.payments import services``.

``payments``: create a payment, start it at the provider, complete a sandbox payment.
``callbacks``: a provider's notification, verified, logged, deduplicated and applied once.
``purposes``: what a successful payment does for each purpose (deposit; checkout in
``checkout``, which also refunds orders). ``refunds``: recorded in a transaction, issued after,
finalised once (``refund_callbacks``: the provider's refund notification). ``certificates``:
WeChat Pay platform certificates kept fresh. ``sweep``: open payments queried and closed.
``payouts`` (``payout_accounts``, ``merchant_withdrawals``, ``wallet``): money out.
``reconciliation``: the providers' daily bills against our books. ``wechat``: openids.
"""

from .callbacks import CallbackResult, callback_handle
from .certificates import wechatpay_certificates_refresh
from .checkout import checkout_payment_create, checkout_payment_succeeded, order_refund_issue
from .merchant_withdrawals import (
    merchant_withdrawal_create,
    merchant_withdrawal_refusal,
    merchant_withdrawals,
    withdrawal_check,
    withdrawal_minimum_fen,
)
from .payments import (
    WechatOpenidRequired,
    deposit_payment_create,
    payment_channel,
    payment_create,
    payment_start,
    sandbox_bridge_complete,
    sandbox_complete,
)
from .payout_accounts import (
    payout_account_alipay_set,
    payout_account_bank_set,
    payout_account_for_withdrawal,
    payout_account_review,
    payout_account_wechat_bind,
    payout_owner,
)
from .payouts import (
    payout_batch_create,
    payout_batch_csv,
    payout_issue,
    payout_mark,
    payout_poll,
    payout_record,
    payout_request,
    payouts_sweep,
)
from .purposes import PurposeHandler, handler_for, ledger_reference, purpose_handler
from .reconciliation import (
    reconciliation_compare,
    reconciliation_resolve,
    reconciliation_run,
    reconciliations_daily,
)
from .refund_callbacks import refund_callback_handle
from .refunds import (
    refund_issue,
    refund_poll,
    refund_record,
    refund_request,
    refund_retry,
    refunds_issue_pending,
    refunds_poll_processing,
)
from .sweep import payment_close_unpaid, payment_sweep_one, payments_sweep
from .wallet import (
    wallet_account_id,
    wallet_balance_fen,
    wallet_history,
    wallet_payouts,
    wallet_withdraw,
)
from .wechat import wechat_miniprogram_session, wechat_oauth_complete, wechat_openid_store

__all__ = [
    "CallbackResult",
    "PurposeHandler",
    "WechatOpenidRequired",
    "callback_handle",
    "checkout_payment_create",
    "checkout_payment_succeeded",
    "deposit_payment_create",
    "handler_for",
    "ledger_reference",
    "merchant_withdrawal_create",
    "merchant_withdrawal_refusal",
    "merchant_withdrawals",
    "order_refund_issue",
    "payment_channel",
    "payment_close_unpaid",
    "payment_create",
    "payment_start",
    "payment_sweep_one",
    "payments_sweep",
    "payout_account_alipay_set",
    "payout_account_bank_set",
    "payout_account_for_withdrawal",
    "payout_account_review",
    "payout_account_wechat_bind",
    "payout_batch_create",
    "payout_batch_csv",
    "payout_issue",
    "payout_mark",
    "payout_owner",
    "payout_poll",
    "payout_record",
    "payout_request",
    "payouts_sweep",
    "purpose_handler",
    "reconciliation_compare",
    "reconciliation_resolve",
    "reconciliation_run",
    "reconciliations_daily",
    "refund_callback_handle",
    "refund_issue",
    "refund_poll",
    "refund_record",
    "refund_request",
    "refund_retry",
    "refunds_issue_pending",
    "refunds_poll_processing",
    "sandbox_bridge_complete",
    "sandbox_complete",
    "wallet_account_id",
    "wallet_balance_fen",
    "wallet_history",
    "wallet_payouts",
    "wallet_withdraw",
    "wechat_miniprogram_session",
    "wechat_oauth_complete",
    "wechat_openid_store",
    "wechatpay_certificates_refresh",
    "withdrawal_check",
    "withdrawal_minimum_fen",
]
