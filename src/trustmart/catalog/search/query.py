"""The search selector: what a buyer finds for a query, filters and a sort order.

Matching rule. The query is cut into words (jieba precise mode). A product matches when its
index contains *every* word (AND). When no visible product does, search falls back to products
that contain *any* of the words or their parts (jieba search mode), each as a prefix ("iph" finds
"iphone", "面" finds "面霜"), ranked so that products matching more of them come first. A query
of only punctuation or spaces has no words: it lists products like an empty query (browse).

Only what ``products_visible()`` returns can be found (live products of active merchants whose
deposit is paid); that condition is part of the same SQL, so a suspended merchant's products
disappear at once and come back on reinstatement, without re-indexing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    ExpressionWrapper,
    F,
    OrderBy,
    Prefetch,
    QuerySet,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from trustmart.catalog.models import Category, Product, ProductImage
from trustmart.catalog.selectors import products_visible
from trustmart.core.errors import invalid

from .backends import matching
from .segment import QueryTerms, query_terms

QUERY_MAX_CHARS = 100
# The columns a result carries (see ``cards.py``); other fields load on access, one query each.
CARD_FIELDS = ("id", "name", "brand", "price_fen", "sales_count", "published_at", "merchant__name",
               "merchant__status", "merchant__deposit_ok")


class Sort(StrEnum):
    RELEVANCE = "relevance"
    SALES = "sales"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEWEST = "newest"


class Match(StrEnum):
    ALL = "all"  # every word of the query
    ANY = "any"  # the fallback: some words or word parts, as prefixes
    BROWSE = "browse"  # no words: everything visible that passes the filters


# Each sort's keys, with the tie-breaker in the direction that lets the sort index serve it.
_ORDER: dict[Sort, tuple[tuple[str, bool], ...]] = {  # (field, descending)
    Sort.SALES: (("sales_count", True), ("pk", False)),
    Sort.PRICE_ASC: (("price_fen", False), ("pk", False)),
    Sort.PRICE_DESC: (("price_fen", True), ("pk", True)),
    Sort.NEWEST: (("published_at", True), ("pk", False)),
}


def _order_by(sort: Sort, *, text_match: bool) -> list[OrderBy]:
    """The ORDER BY of a sort.

    With a text match on PostgreSQL the sort keys are wrapped in an expression that no index
    has. Otherwise the planner may walk the price (or sales, or date) index and test every row
    against the text query until it has a page: fast when matches are spread evenly, but a
    full-table walk when they are not (phones are never among the cheapest products). Finding
    the matches through the GIN index and sorting them is bounded by the number of matches.
    """
    fence = text_match and connection.vendor == "postgresql"
    keys: list[OrderBy] = []
    for field, descending in _ORDER[sort]:
        key: F | Coalesce | ExpressionWrapper[CombinedExpression] = F(field)
        if fence and field == "published_at":
            key = Coalesce(F("published_at"), F("created_at"))
        elif fence and field != "pk":
            key = ExpressionWrapper(F(field) + 0, output_field=BigIntegerField())
        keys.append(key.desc() if descending else key.asc())
    return keys


def _any_row(qs: QuerySet[Product]) -> bool:
    """Whether ``qs`` has a row, asked in a way PostgreSQL's planner cannot get badly wrong.

    A plain ``EXISTS``/``LIMIT 1`` invites it to walk the table (or any index) hoping for an
    early hit, which reads every row when the filters leave none (a brand outside the price
    range). Ordering by an expression no index has makes it find the matches through the GIN
    index first, a cost bounded by their number. SQLite always starts from the FTS table.
    """
    if connection.vendor != "postgresql":
        return qs.exists()
    fence = ExpressionWrapper(F("pk") + 0, output_field=BigIntegerField())
    with _hash_joins():
        return bool(list(qs.order_by(fence.asc()).values_list("pk", flat=True)[:1]))


def _images() -> Prefetch[str, QuerySet[ProductImage], str]:
    """Images of the result page only, in display order; uploads awaiting review are left out."""
    return Prefetch("images", queryset=ProductImage.objects.filter(pending=False)
                    .order_by("position", "pk"))


@contextmanager
def _hash_joins() -> Iterator[None]:
    """On PostgreSQL, run the enclosed text-search query with nested-loop joins discouraged.

    The planner estimates a query of several words by multiplying each word's frequency, but the
    words of one product name come together ("折叠 屏 手机"), so it may expect 10 matches where
    there are 3,000, and then join the merchants in a nested loop that compares every merchant
    with every match. A hash join costs little at any size. The setting is put back right after
    the query (or undone by the rollback if it fails), so nothing leaks to other queries.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_nestloop = off")
        yield
        cursor.execute("SET LOCAL enable_nestloop TO DEFAULT")


class SearchResult:
    """What a search found: lazy querysets of products (with merchant and ordered images,
    loading only ``CARD_FIELDS``).

    Whether every word matched or the fallback applies is decided lazily: :meth:`page` at
    offset 0 simply tries the every-word query and falls back when its page is empty, so a
    first page costs one search, not a probe and a search. Later pages, and :attr:`match` or
    :attr:`products` asked first, decide with a cheap probe.
    """

    def __init__(self, *, query: str, terms: QueryTerms, sort: Sort, category: Category | None,
                 every: QuerySet[Product], fallback: QuerySet[Product] | None) -> None:
        self.query, self.terms, self.sort, self.category = query, terms, sort, category
        self._every, self._fallback = every, fallback
        self._match: Match | None = Match.BROWSE if fallback is None else None

    @property
    def match(self) -> Match:
        if self._match is None:
            self._match = Match.ALL if _any_row(self._every) else Match.ANY
        return self._match

    @property
    def products(self) -> QuerySet[Product]:
        """All results in order (for pages, prefer :meth:`page`)."""
        return self._fallback if self.match is Match.ANY and self._fallback is not None \
            else self._every

    def page(self, *, offset: int, limit: int) -> tuple[list[Product], bool]:
        """``limit`` products from ``offset``, and whether more follow (one row more is read;
        no count: that would be a second full search)."""
        if self._match is None and offset == 0:
            rows = _read(self._every, 0, limit + 1, text=True)
            self._match = Match.ALL if rows else Match.ANY
            if not rows:
                rows = _read(self.products, 0, limit + 1, text=True)
        else:
            rows = _read(self.products, offset, limit + 1, text=self.match is not Match.BROWSE)
        return rows[:limit], len(rows) > limit


def _read(qs: QuerySet[Product], offset: int, count: int, *, text: bool) -> list[Product]:
    window = qs[offset:offset + count]
    if not text:  # no text query: the sort indexes serve it as planned
        return list(window)
    with _hash_joins():
        return list(window)


def parse_sort(sort: str, *, has_query: bool) -> Sort:
    if not sort:
        return Sort.RELEVANCE if has_query else Sort.SALES
    try:
        return Sort(sort)
    except ValueError:
        raise invalid("sort", _("Sort by relevance, sales, price_asc, price_desc or newest."),
                      code="invalid_sort") from None


def _check_prices(min_price_fen: int | None, max_price_fen: int | None) -> None:
    for field, value in (("min_price_fen", min_price_fen), ("max_price_fen", max_price_fen)):
        if value is not None and value < 0:
            raise invalid(field, _("A price cannot be negative."), code="price_negative")
    if min_price_fen is not None and max_price_fen is not None and min_price_fen > max_price_fen:
        raise invalid("max_price_fen", _("The highest price must not be below the lowest price."),
                      code="price_range_inverted")


def category_with_descendants(category_id: int) -> tuple[Category, list[int]]:
    """The category and the ids of it and everything under it (one query: the tree is small)."""
    categories = {c.pk: c for c in Category.objects.filter(is_active=True)}
    if category_id not in categories:
        raise invalid("category", _("This category does not exist."), code="unknown_category")
    children: dict[int, list[int]] = {}
    for category in categories.values():
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category.pk)
    ids, stack = [], [category_id]
    while stack:
        node = stack.pop()
        if node not in ids:
            ids.append(node)
            stack.extend(children.get(node, []))
    return categories[category_id], ids


def product_search(*, query: str = "", category_id: int | None = None,
                   min_price_fen: int | None = None, max_price_fen: int | None = None,
                   sort: str = "") -> SearchResult:
    """Visible products for a query, filters and sort (see the module docstring for the rule)."""
    query = (query or "").strip()
    if len(query) > QUERY_MAX_CHARS:
        raise invalid("q", _("The search text is too long (at most 100 characters)."),
                      code="query_too_long")
    terms = query_terms(query)
    order = parse_sort(sort, has_query=bool(terms))
    _check_prices(min_price_fen, max_price_fen)
    category = None
    qs = products_visible()
    if category_id is not None:
        category, ids = category_with_descendants(category_id)
        qs = qs.filter(category_id__in=ids)
    if min_price_fen is not None:
        qs = qs.filter(price_fen__gte=min_price_fen)
    if max_price_fen is not None:
        qs = qs.filter(price_fen__lte=max_price_fen)
    # Only what a card shows: the sort runs over every match, so narrow rows sort faster.
    qs = qs.select_related("merchant").only(*CARD_FIELDS).prefetch_related(_images())

    ranked = order is Sort.RELEVANCE
    if not terms:
        every = qs.order_by(*_order_by(Sort.SALES if ranked else order, text_match=False))
        return SearchResult(query=query, terms=terms, sort=order, category=category,
                            every=every, fallback=None)
    every = matching(qs, words=terms.words, every=True, ranked=ranked)
    fallback = matching(qs, words=terms.parts, every=False, ranked=ranked)
    if ranked:
        keys = [F("search_rank").desc(), F("sales_count").desc(), F("pk").asc()]
    else:
        keys = _order_by(order, text_match=True)
    return SearchResult(query=query, terms=terms, sort=order, category=category,
                        every=every.order_by(*keys), fallback=fallback.order_by(*keys))

@dataclass(frozen=True)
class CategoryChoice:
    id: int
    name: str
    depth: int  # 0 for a top-level category


def category_choices(*, max_depth: int = 1) -> list[CategoryChoice]:
    """Active categories in tree order (parents before their children), for the filter sheet."""
    rows = list(Category.objects.filter(is_active=True).order_by("position", "pk")
                .values_list("pk", "parent_id", "name"))
    active = {pk for pk, _parent, _name in rows}
    children: dict[int | None, list[tuple[int, str]]] = {}
    for pk, parent, name in rows:
        children.setdefault(parent if parent in active else None, []).append((pk, name))
    choices: list[CategoryChoice] = []

    def walk(parent: int | None, depth: int) -> None:
        for pk, name in children.get(parent, []):
            choices.append(CategoryChoice(pk, name, depth))
            if depth < max_depth:
                walk(pk, depth + 1)

    walk(None, 0)
    return choices


def products_popular(*, limit: int = 4) -> list[Product]:
    """Best sellers, suggested when a search finds nothing."""
    qs = products_visible().select_related("merchant").prefetch_related(
        _images())
    return list(qs.order_by(*_order_by(Sort.SALES, text_match=False))[:limit])
