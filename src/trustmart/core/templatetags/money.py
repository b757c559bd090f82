"""The ``fen`` filter, a template builtin (settings ``TEMPLATES`` ``builtins``): no ``{% load %}``.

``{{ order.total_fen|fen }}`` → ``¥123.45``; an empty value (``None``, ``""``) shows nothing.
"""

from __future__ import annotations

from typing import Any

from django import template

from trustmart.core.money import format_fen

register = template.Library()


@register.filter
def fen(amount: Any) -> str:
    """``12345`` → ``¥123.45``; ``None`` → ``""``."""
    if amount is None or amount == "":
        return ""
    return format_fen(int(amount))
