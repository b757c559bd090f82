"""The payments app's timed sweeps (registered when the app is ready). Refund retries and
polls and the certificate refresh are registered next to their services."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services


@job("payments.sweep_open", every_seconds=120)
def sweep_open() -> object:
    """Open payments queried after three minutes, applied, and closed past their deadline."""
    return services.payments_sweep()


@job("payments.payouts", every_seconds=120)
def payouts() -> object:
    """Payouts left unsent are sent; processing ones are asked about and finished."""
    return services.payouts_sweep()


@job("payments.reconcile_daily", every_seconds=3600)
def reconcile_daily() -> object:
    """Yesterday's bill of each provider against our books (once the bill is there)."""
    return services.reconciliations_daily()
