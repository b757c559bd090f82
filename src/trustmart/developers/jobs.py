"""Timed sweeps of the open platform."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services


@job("developers.webhooks.send_due", every_seconds=5)
def send_due() -> object:
    return services.deliveries_send_due()


@job("developers.webhooks.disable_failing", every_seconds=3600)
def disable_failing() -> object:
    return services.endpoints_disable_failing()


@job("developers.purge", every_seconds=3600)
def purge() -> object:
    return {"api_calls": services.api_calls_purge(), "tokens": services.tokens_purge_expired(),
            "messages": services.deliveries_purge()}
