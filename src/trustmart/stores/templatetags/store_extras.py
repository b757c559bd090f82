"""Template helpers for store pages."""

from __future__ import annotations

from django import template

from trustmart.catalog.models import Product
from trustmart.catalog.selectors import main_image_url

from .. import selectors

register = template.Library()



@register.filter
def card_image_url(product: Product) -> str | None:
    """The main image of a product card (annotated by ``catalog.selectors.product_card_qs``)."""
    return main_image_url(product)


@register.simple_tag
def store_product_url(product_id: int, store_id: int) -> str:
    return selectors.product_url_in_store(product_id=product_id, store_id=store_id)
