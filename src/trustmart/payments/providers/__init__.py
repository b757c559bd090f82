"""The payment provider registry: name → implementation, each configured from settings.

Adding WeChat Pay or Alipay is one line here plus its module: the rest of payments only ever
calls ``get_provider(name)`` and the methods of ``PaymentProvider``. Implementations are
imported lazily, so a provider whose SDK is not installed costs nothing until it is used.
"""

from __future__ import annotations

from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import invalid

from .base import (
    MAX_CLOCK_SKEW,
    BadSignature,
    BillKind,
    BillLine,
    CallbackData,
    CallbackError,
    Channel,
    ChannelNotSupported,
    ClientKind,
    MalformedCallback,
    NotFinal,
    Outcome,
    PayerContext,
    PaymentProvider,
    PayoutStatus,
    ProviderError,
    ProviderStart,
    RefundNotice,
    RefundNotSupported,
    RefundResult,
    RefundStatus,
    StaleTimestamp,
    StartAction,
    TradeQuery,
    TradeState,
    TransferResult,
)

DEFAULT_PROVIDER = "sandbox"

# Offered in this order. A provider whose settings are missing is off (``from_settings`` gives
# None): it is not offered and its callbacks are refused.
PROVIDERS: dict[str, str] = {
    "sandbox": "trustmart.payments.providers.sandbox.SandboxProvider",
    "wechatpay": "trustmart.payments.providers.wechatpay.WechatPayProvider",
    "alipay": "trustmart.payments.providers.alipay.AlipayProvider",
}


def get_provider(name: str) -> PaymentProvider:
    """The configured provider called ``name``; InvalidInput when unknown or off."""
    path = PROVIDERS.get(name)
    provider = import_string(path).from_settings() if path else None
    if provider is None:
        raise invalid("provider", _("This payment method is not available."),
                      code="payment_provider_unavailable")
    return provider


def available_providers() -> list[PaymentProvider]:
    """Every provider that is on, in the order the cashier offers them."""
    found = (import_string(path).from_settings() for path in PROVIDERS.values())
    return [provider for provider in found if provider is not None]


__all__ = [
    "DEFAULT_PROVIDER",
    "MAX_CLOCK_SKEW",
    "PROVIDERS",
    "BadSignature",
    "BillKind",
    "BillLine",
    "CallbackData",
    "CallbackError",
    "Channel",
    "ChannelNotSupported",
    "ClientKind",
    "MalformedCallback",
    "NotFinal",
    "Outcome",
    "PayerContext",
    "PaymentProvider",
    "PayoutStatus",
    "ProviderError",
    "ProviderStart",
    "RefundNotSupported",
    "RefundNotice",
    "RefundResult",
    "RefundStatus",
    "StaleTimestamp",
    "StartAction",
    "TradeQuery",
    "TradeState",
    "TransferResult",
    "available_providers",
    "get_provider",
]
