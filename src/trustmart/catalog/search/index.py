"""Keeping ``Product.search_document`` (and so each database's index) up to date.

A product's document is the space-separated jieba tokens of what a buyer may type to find it:
its name and brand (twice, so a match there outranks one in the description), its selling point,
its category and that category's ancestors, and its description with the HTML stripped. Brand and
category names are also kept whole, so they are found however jieba happens to cut them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from trustmart.catalog.models import Category, Product

from .backends import ensure_sqlite_triggers
from .segment import document_tokens, normalise, whole_token

# Products handled per transaction: bounds the lock time on SQLite and the memory per step.
CHUNK_SIZE = 1000
# Descriptions can be long; the first part says what the product is.
DESCRIPTION_CHARS = 1500
NAME_WEIGHT = 2


@dataclass(frozen=True)
class ProductText:
    """The searchable text of one product, as stored."""

    name: str
    subtitle: str
    brand: str
    description: str
    categories: Sequence[str]  # the product's category first, then its ancestors


def build_document(text: ProductText) -> str:
    """The search document of one product: pure, so it is testable without a database."""
    name = document_tokens(text.name)
    brand_whole = whole_token(text.brand)
    brand = [brand_whole] if brand_whole else []
    brand += [t for t in document_tokens(text.brand) if t != brand_whole]
    tokens: list[str] = []
    for _ in range(NAME_WEIGHT):
        tokens += name
        tokens += brand
    tokens += document_tokens(text.subtitle)
    for category in text.categories:
        whole = whole_token(category)
        parts = document_tokens(category)
        tokens += ([whole] if whole and whole not in parts else []) + parts
    description = normalise(text.description)[:DESCRIPTION_CHARS]
    tokens += document_tokens(description)
    return " ".join(tokens)


def category_paths() -> dict[int, list[str]]:
    """Each category's name followed by its ancestors' names (one query; the tree is small)."""
    rows = {pk: (parent, name) for pk, parent, name in
            Category.objects.values_list("pk", "parent_id", "name")}
    paths: dict[int, list[str]] = {}
    for pk in rows:
        names: list[str] = []
        seen: set[int] = set()
        node: int | None = pk
        while node is not None and node in rows and node not in seen:
            seen.add(node)
            parent, name = rows[node]
            names.append(name)
            node = parent
        paths[pk] = names
    return paths


def _chunks(ids: Sequence[int], size: int) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def product_search_index(*, product_ids: list[int]) -> None:
    """Recompute the search document (and so the index) of these products.

    Call it after creating or changing a product's name, brand, selling point, description or
    category, or after renaming a category (with the ids of its products). Called inside the
    caller's transaction it sees (and commits with) the caller's changes. Bulk-friendly: it works
    in chunks of ``CHUNK_SIZE``, reads each chunk in one query, cuts the words before opening its
    own write transaction (so parallel indexers only share the SQLite write lock while writing)
    and writes only the documents that changed. Unknown ids are ignored. Visibility (status,
    merchant suspension, deposit) is not part of the index: search checks it live.
    """
    ids = sorted(set(product_ids))
    if not ids:
        return
    ensure_sqlite_triggers()
    paths = category_paths()
    table = connection.ops.quote_name(Product._meta.db_table)
    column = connection.ops.quote_name(str(Product._meta.get_field("search_document").column))
    for chunk in _chunks(ids, CHUNK_SIZE):
        rows = Product.objects.filter(pk__in=chunk).values_list(
            "pk", "name", "subtitle", "brand", "description", "category_id", "search_document")
        changes: list[tuple[str, int]] = []
        for pk, name, subtitle, brand, description, category_id, old in rows:
            document = build_document(ProductText(
                name=name, subtitle=subtitle, brand=brand, description=description,
                categories=paths.get(category_id, [])))
            if document != old:
                changes.append((document, pk))
        if changes:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                                   changes)
