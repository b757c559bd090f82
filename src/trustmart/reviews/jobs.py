"""The reviews app's timed sweeps (registered when the app is ready)."""

from __future__ import annotations

from trustmart.core.jobs import job

from . import services


@job("reviews.default_positive", every_seconds=600)
def default_positive() -> int:
    """默认好评 for lines not reviewed within REVIEW_DEFAULT_DAYS of receipt."""
    return services.reviews_default_due()


@job("reviews.credit_window", every_seconds=24 * 3600)
def credit_window() -> int:
    """Recount the 6-month counters of records whose oldest review has left the window."""
    return services.credit_window_due()
