"""The aftersales app's timed sweep (registered when the app is ready)."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services


@job("aftersales.deadlines", every_seconds=300)
def deadlines() -> int:
    return services.cases_due_sweep()
