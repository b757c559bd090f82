"""Deployment checks: a site that takes real money must not offer the sandbox cashier."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def sandbox_off_in_deployment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.PAYMENT_SANDBOX_ENABLED:
        return [Warning(
            "The sandbox payment provider is enabled: anyone can pay without money.",
            hint="Set PAYMENT_SANDBOX_ENABLED=0 once a real provider is configured.",
            id="payments.W001",
        )]
    return []
