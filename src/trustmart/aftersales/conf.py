"""The after-sales time rules, read from settings (``AFTERSALE_*``, each settable from the
environment in ``settings.py``), with the same defaults when a setting is absent."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def merchant_reply_window() -> timedelta:
    """How long the merchant has to answer a new case; silence accepts it for the buyer."""
    return timedelta(hours=int(getattr(settings, "AFTERSALE_MERCHANT_REPLY_HOURS", 48)))


def return_confirm_window() -> timedelta:
    """After the buyer shipped the return, receipt is confirmed automatically after this."""
    return timedelta(days=int(getattr(settings, "AFTERSALE_RETURN_CONFIRM_DAYS", 7)))


def escalate_window() -> timedelta:
    """How long the buyer may escalate a rejection (or answer a partial offer)."""
    return timedelta(days=int(getattr(settings, "AFTERSALE_ESCALATE_DAYS", 7)))


def return_ship_window() -> timedelta:
    """How long the buyer has to ship an accepted return before the case closes."""
    return timedelta(days=int(getattr(settings, "AFTERSALE_RETURN_SHIP_DAYS", 7)))


# 假一赔十: compensation is this many times what the buyer paid for the line.
COMPENSATION_MULTIPLE = 10
MAX_IMAGES = 9
