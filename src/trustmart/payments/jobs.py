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
