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

import functools
import hashlib
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.utils import timezone

from ..models import Product
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


# What the visibility check reads: the merchant, and its card for the key's fingerprint.
CARD_FIELDS = ("merchant_id", "merchant__name", "merchant__company_name", "merchant__logo",
               "merchant__introduction")
_ANY_ID = 7_345_000_000_000_000_001  # stands for the product id in the compiled query


@functools.cache
def _visible_card_sql(alias: str) -> tuple[str, tuple[Any, ...]]:
    """``products_visible()`` for one product with ``CARD_FIELDS``, compiled once per process.

    Building a query through the ORM costs more than running it; this one runs on every page
    view, so it is built once from the one definition of visibility and then only executed."""
    query = products_visible().filter(pk=_ANY_ID).values_list(*CARD_FIELDS).order_by()[:1].query
    sql, params = query.get_compiler(alias).as_sql()
    assert list(params).count(_ANY_ID) == 1
    return sql, tuple(params)


def _visible_card(product_id: int) -> tuple[Any, ...] | None:
    if not 0 < product_id < 2**63:  # what the ORM's lookup would find: nothing
        return None
    alias = router.db_for_read(Product)
    sql, params = _visible_card_sql(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [product_id if p == _ANY_ID else p for p in params])
        row = cursor.fetchone()
    return tuple(row) if row is not None else None


def product_page_cache_key(*, product_id: int, language: str) -> str:
    """The cache key of a visible product's page body; NotFound when buyers may not see it."""
    row = _visible_card(product_id)
    if row is None:
        raise _product_not_found()
    merchant_id = row[0]
    card = hashlib.blake2b("\x1f".join(str(v) for v in row[1:]).encode(),
                           digest_size=8).hexdigest()
    product_v, merchant_v = _versions([product_version_key(product_id),
                                       merchant_version_key(merchant_id)])
    return (f"catalog:page:{product_id}:{product_v}:{merchant_id}:{merchant_v}:{card}:"
            f"{timezone.localdate().isoformat()}:{language}")
