"""Template helpers of the merchant pages."""

from __future__ import annotations

from django import template

from trustmart.core.money import format_fen

register = template.Library()


@register.filter
def fen(amount_fen: int | None) -> str:
    """``{{ 50000|fen }}`` → ``¥500.00``."""
    return format_fen(int(amount_fen or 0))


@register.filter
def is_pdf(stored: object) -> bool:
    """Whether a stored document is a PDF (shown as a link, not as an image)."""
    return str(getattr(stored, "name", "")).lower().endswith(".pdf")
