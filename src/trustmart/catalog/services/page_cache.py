"""Telling the product page's cache that what a page shows has changed.

Each call replaces a version token (see ``selectors.page_cache``): at once, so this request and
the next ones miss, and again once the transaction commits, so a page rendered meanwhile from
the data before the commit is never kept under the new version.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction

from ..selectors import merchant_version_key, new_version, product_version_key


def _bump(key: str) -> None:
    def bump() -> None:
        cache.set(key, new_version(), timeout=None)

    bump()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(bump, robust=True)


def product_page_changed(product_id: int) -> None:
    """The product's page shows something new (content, status, SKUs, images, batches,
    certificates, reviews)."""
    _bump(product_version_key(product_id))


def merchant_pages_changed(merchant_id: int) -> None:
    """Every page of the merchant's products shows something new (its credit record)."""
    _bump(merchant_version_key(merchant_id))
