"""Every write about payments. Import from here: ``from trustmart.payments import services``.

``payments``: create a payment, start it at the provider, complete a sandbox payment.
``callbacks``: a provider's notification, verified, logged, deduplicated and applied once.
``purposes``: what a successful payment does for each purpose (deposit; checkout in
``checkout``, which also refunds orders). ``refunds``: recorded in a transaction, issued after,
finalised once (``refund_callbacks``: the provider's refund notification). ``certificates``:
WeChat Pay platform certificates kept fresh.
"""

from .callbacks import CallbackResult, callback_handle
from .certificates import wechatpay_certificates_refresh
from .checkout import checkout_payment_create, checkout_payment_succeeded, order_refund_issue
from .payments import (
    WechatOpenidRequired,
    deposit_payment_create,
    payment_channel,
    payment_create,
    payment_start,
    sandbox_bridge_complete,
    sandbox_complete,
)
from .purposes import PurposeHandler, handler_for, ledger_reference, purpose_handler
from .refund_callbacks import refund_callback_handle
from .sweep import payment_close_unpaid, payment_sweep_one, payments_sweep
from .wechat import wechat_miniprogram_session, wechat_oauth_complete, wechat_openid_store
from .refunds import (
    refund_issue,
    refund_poll,
    refund_record,
    refund_request,
    refund_retry,
    refunds_issue_pending,
    refunds_poll_processing,
)

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
    "order_refund_issue",
    "payment_channel",
    "payment_close_unpaid",
    "payment_create",
    "payment_start",
    "payment_sweep_one",
    "payments_sweep",
    "purpose_handler",
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
    "wechat_miniprogram_session",
    "wechat_oauth_complete",
    "wechat_openid_store",
    "wechatpay_certificates_refresh",
]
