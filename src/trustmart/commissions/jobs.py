"""The commissions app's timed sweep (registered when the app is ready)."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services


@job("commissions.release_settled", every_seconds=300)
def release_settled() -> int:
    return services.commissions_release_settled()
