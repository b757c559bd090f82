"""Template hooks for other apps' pages, so they never import reviews:

``{% load reviews %}{% product_reviews product %}`` – the review summary block of a product page
(with the merchant's credit badge); ``{% credit_badge "store" store.pk %}`` – a small level
badge with the positive rate, linking to the public credit page.
"""

from __future__ import annotations

from typing import Any

from django import template

from .. import selectors
from ..models import Review

register = template.Library()
PREVIEW = 3


@register.inclusion_tag("reviews/_product_block.html")
def product_reviews(product: Any) -> dict[str, Any]:
    summary = selectors.product_review_summary(product_id=product.pk)
    return {
        "product": product, "summary": summary,
        "reviews": (list(selectors.product_reviews(product_id=product.pk)[:PREVIEW])
                    if summary.count else []),
        "merchant_credit": selectors.credit_badge(subject_type="merchant",
                                                  subject_id=product.merchant_id),
    }


@register.inclusion_tag("reviews/_badge.html")
def credit_badge(kind: str, subject_id: int | None) -> dict[str, Any]:
    return {"credit": selectors.credit_badge(subject_type=kind, subject_id=subject_id),
            "kind": kind}


@register.filter
def stars(count: int) -> str:
    count = max(0, min(int(count or 0), 5))
    return "★" * count + "☆" * (5 - count)


@register.filter
def author(review: Review) -> str:
    return selectors.review_author(review)


@register.filter
def main_images(review: Review) -> list[Any]:
    return [i for i in review.images.all() if not i.followup]


@register.filter
def followup_images(review: Review) -> list[Any]:
    return [i for i in review.images.all() if i.followup]
