"""Template helpers of the merchant pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def is_pdf(stored: object) -> bool:
    """Whether a stored document is a PDF (shown as a link, not as an image)."""
    return str(getattr(stored, "name", "")).lower().endswith(".pdf")
