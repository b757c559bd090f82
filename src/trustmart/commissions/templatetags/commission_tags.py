"""``{% load commission_tags %}`` then ``{{ row.channel|channel_label }}``."""

from __future__ import annotations

from django import template

from trustmart.sharing.models import Channel

register = template.Library()


@register.filter
def channel_label(code: object) -> str:
    labels = dict(Channel.choices)
    return str(labels.get(str(code), code or "—"))
