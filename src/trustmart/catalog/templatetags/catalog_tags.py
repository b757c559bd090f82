"""Template helpers for catalog pages and for other apps showing product cards.

``{% load catalog_tags %}`` then ``{{ product.price_fen|yuan }}``, ``{{ product|main_image_url }}``
(for rows of ``selectors.product_card_qs()``) and ``{{ product.commission_bps|percent }}``.
``|fen`` (``¥123.45``) is a builtin of every template (``core.templatetags.money``).
"""

from __future__ import annotations

from typing import Any

from django import template

from trustmart.core.money import format_fen

from .. import selectors

register = template.Library()



@register.filter
def yuan(amount: Any) -> str:
    """``12345`` → ``123.45`` (no symbol; for prices set in large type next to a small ¥)."""
    if amount is None or amount == "":
        return ""
    return format_fen(int(amount), symbol="")


@register.filter
def main_image_url(product: Any) -> str:
    return selectors.main_image_url(product) or ""


@register.filter
def percent(bps: Any) -> str:
    """``1250`` → ``12.5%``."""
    return selectors.bps_as_percent(int(bps or 0))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
