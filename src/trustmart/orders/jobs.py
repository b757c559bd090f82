"""The orders app's timed sweeps (registered when the app is ready)."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services, settlement


@job("orders.expire_unpaid", every_seconds=60)
def expire_unpaid() -> int:
    return services.checkout_expire_due()


@job("orders.auto_confirm", every_seconds=300)
def auto_confirm() -> int:
    return services.orders_auto_confirm_due()


@job("orders.settle_due", every_seconds=300)
def settle_due() -> int:
    return settlement.orders_settle_due()
