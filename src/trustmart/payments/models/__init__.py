"""The payments app's models, one module per concern; import them from here."""

# Migrations name the default number generators by this module's path.
from .payments import CallbackLog, Payment, PlatformCertificate, Refund, _payment_no, _refund_no  # noqa: F401
from .payouts import Payout, PayoutAccount, PayoutBatch
from .reconciliation import ReconciliationDifference, ReconciliationRun
from .sandbox import SandboxRecord
from .wechat import WechatOpenid

__all__ = [
    "CallbackLog",
    "Payment",
    "Payout",
    "PayoutAccount",
    "PayoutBatch",
    "PlatformCertificate",
    "ReconciliationDifference",
    "ReconciliationRun",
    "Refund",
    "SandboxRecord",
    "WechatOpenid",
]
