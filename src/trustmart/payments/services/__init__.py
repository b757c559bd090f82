"""Every write about payments. Import from here: ``from trustmart.payments import services``.

``payments``: create a payment, start it at the provider, complete a sandbox payment.
``callbacks``: a provider's notification, verified, logged, deduplicated and applied once.
``purposes``: what a successful payment does for each purpose (the deposit now, checkout next).
"""

from .callbacks import CallbackResult, callback_handle
from .payments import deposit_payment_create, payment_create, payment_start, sandbox_complete
from .purposes import PurposeHandler, handler_for, ledger_reference, purpose_handler

__all__ = [
    "CallbackResult",
    "PurposeHandler",
    "callback_handle",
    "deposit_payment_create",
    "handler_for",
    "ledger_reference",
    "payment_create",
    "payment_start",
    "purpose_handler",
    "sandbox_complete",
]
