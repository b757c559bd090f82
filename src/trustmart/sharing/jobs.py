"""The sharing app's timed sweeps (registered when the app is ready)."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services


@job("sharing.binding_expire", every_seconds=3600)
def binding_expire() -> int:
    return services.binding_expire_due()
