"""Template helpers of the payment pages."""

from __future__ import annotations

from django import template

from trustmart.core.money import format_fen

register = template.Library()


@register.filter
def fen(amount_fen: int | None) -> str:
    """``{{ 50000|fen }}`` → ``¥500.00``."""
    return format_fen(int(amount_fen or 0))
