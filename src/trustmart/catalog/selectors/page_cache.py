"""Where the product page's cached body lives: its key, made of content versions.

The page's viewer-independent body is cached under a key that names everything it shows:

- the product's version (``catalog:product:<id>:v``), a random token that every service
  changing what the page shows replaces (``services.product_page_changed``);
- the merchant's version (``catalog:merchant:<id>:v``), replaced when its credit record
  changes (``services.merchant_pages_changed``), and a fingerprint of the merchant card
  (name, company, logo, introduction) read by the visibility query, so a profile edit shows
  at once without the lower merchants app knowing about this cache;
- the day (batches expire, the current batch moves) and the language.

A missing version is a new token, so an evicted version only costs a miss. Visibility is
never cached: the key costs one query that is NotFound for a product buyers may not see.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .rules import _product_not_found, products_visible

DEFAULT_PAGE_CACHE_SECONDS = 60


def page_cache_seconds() -> int:
    """``PRODUCT_PAGE_CACHE_SECONDS`` (default 60); 0 turns the cache off."""
    return max(int(getattr(settings, "PRODUCT_PAGE_CACHE_SECONDS",
                           DEFAULT_PAGE_CACHE_SECONDS)), 0)


def product_version_key(product_id: int) -> str:
    return f"catalog:product:{product_id}:v"


def merchant_version_key(merchant_id: int) -> str:
    return f"catalog:merchant:{merchant_id}:v"


def new_version() -> str:
    return uuid.uuid4().hex[:16]


def _versions(keys: list[str]) -> list[str]:
    """The current token of each key (one cache round trip), creating the missing ones."""
    found = cache.get_many(keys)
    tokens = []
    for key in keys:
        token = found.get(key)
        if token is None:
            token = new_version()
            if not cache.add(key, token, timeout=None):  # another request made it first
                token = cache.get(key) or token
        tokens.append(str(token))
    return tokens


def product_page_cache_key(*, product_id: int, language: str) -> str:
    """The cache key of a visible product's page body; NotFound when buyers may not see it."""
    row = products_visible().filter(pk=product_id).values_list(
        "merchant_id", "merchant__name", "merchant__company_name", "merchant__logo",
        "merchant__introduction").first()
    if row is None:
        raise _product_not_found()
    merchant_id = row[0]
    card = hashlib.blake2b("\x1f".join(str(v) for v in row[1:]).encode(),
                           digest_size=8).hexdigest()
    product_v, merchant_v = _versions([product_version_key(product_id),
                                       merchant_version_key(merchant_id)])
    return (f"catalog:page:{product_id}:{product_v}:{merchant_id}:{merchant_v}:{card}:"
            f"{timezone.localdate().isoformat()}:{language}")
