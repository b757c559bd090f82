"""The payments app's timed sweeps (registered when the app is ready)."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services


@job("payments.refunds_retry", every_seconds=120)
def refunds_retry() -> int:
    """Issue refunds left pending after their commit (a crash, a provider outage)."""
    return services.refunds_issue_pending()


@job("payments.refunds_poll", every_seconds=300)
def refunds_poll() -> int:
    """Ask the provider about refunds still processing (a notification may never come)."""
    return services.refunds_poll_processing()


@job("payments.wechatpay_certificates_refresh", every_seconds=12 * 3600)
def wechatpay_certificates_refresh() -> int:
    return services.wechatpay_certificates_refresh()


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
