"""The database side of search: the index objects each database gets, and how to query them.

- PostgreSQL: a stored generated column ``search_vector = to_tsvector('simple', search_document)``
  on the product table with a GIN index; ranked by ``ts_rank``. The 'simple' configuration only
  lower-cases, so the jieba tokens in ``search_document`` are the lexemes.
- SQLite: an FTS5 table with external content (``content=catalog_product``, rowid = product id)
  kept in step by triggers on the product table; ranked by ``bm25``.
- Anything else: ``LIKE`` on ``search_document`` (correct, unranked, slow on big catalogs).

Both indexes follow ``search_document`` by themselves, so whoever writes that column (only
:func:`product_search_index` should) cannot leave the index behind.
"""

# Identifiers in this module's SQL come from the model's metadata, never from input; the query
# text is always a bound parameter.
# ruff: noqa: S608, S611

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, FloatField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from trustmart.catalog.models import Product

TABLE = Product._meta.db_table
FTS_TABLE = f"{TABLE}_fts"
PG_COLUMN = "search_vector"
PG_INDEX = f"{TABLE}_search_gin"
TRIGGERS = (f"{FTS_TABLE}_ai", f"{FTS_TABLE}_ad", f"{FTS_TABLE}_au")

_SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    f"search_document, content='{TABLE}', content_rowid='id', tokenize='unicode61')"
)
# The documented way to keep an external-content FTS5 table in step with its content table:
# an update removes exactly what was indexed (the old value) and adds the new one.
_SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS {TRIGGERS[0]} AFTER INSERT ON {TABLE} BEGIN
      INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TRIGGERS[1]} AFTER DELETE ON {TABLE} BEGIN
      INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TRIGGERS[2]} AFTER UPDATE OF search_document ON {TABLE}
      WHEN old.search_document IS NOT new.search_document BEGIN
      INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_document)
        VALUES ('delete', old.id, old.search_document);
      INSERT INTO {FTS_TABLE}(rowid, search_document) VALUES (new.id, new.search_document);
    END""",
)
_PG_CREATE = (
    f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {PG_COLUMN} tsvector GENERATED ALWAYS AS "
    f"(to_tsvector('simple'::regconfig, coalesce(search_document, ''))) STORED",
    f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON {TABLE} USING GIN ({PG_COLUMN})",
)
_PG_DROP = (f"DROP INDEX IF EXISTS {PG_INDEX}",
            f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS {PG_COLUMN}")


def create_index(conn: BaseDatabaseWrapper) -> None:
    """Create the vendor's index objects (the migration calls this). Safe to run twice."""
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for sql in _PG_CREATE:
                cursor.execute(sql)
        elif conn.vendor == "sqlite":
            cursor.execute(_SQLITE_TABLE)
            for sql in _SQLITE_TRIGGERS:
                cursor.execute(sql)
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


def drop_index(conn: BaseDatabaseWrapper) -> None:
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            for sql in _PG_DROP:
                cursor.execute(sql)
        elif conn.vendor == "sqlite":
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def ensure_sqlite_triggers() -> bool:
    """Put the FTS triggers back if they are gone; return whether they had to be rebuilt.

    Django's SQLite schema editor rebuilds a table for many ALTERs (new table, copy, drop, rename),
    and dropping the old table drops its triggers. A later catalog migration can therefore leave
    the index unmaintained; this notices it, recreates the triggers and rebuilds the index.
    """
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
            f"AND name IN ({', '.join(['%s'] * len(TRIGGERS))})", [TABLE, *TRIGGERS])
        (present,) = cursor.fetchone()
    if present == len(TRIGGERS):
        return False
    create_index(connection)
    return True


def _quote_all(words: Sequence[str], vendor: str) -> str:
    if vendor == "postgresql":
        return " & ".join(f"'{w}'" for w in words)
    return " ".join(f'"{w}"' for w in words)  # FTS5: juxtaposed phrases are ANDed


def _quote_any_prefix(parts: Sequence[str], vendor: str) -> str:
    if vendor == "postgresql":
        return " | ".join(f"'{p}':*" for p in parts)
    return " OR ".join(f'"{p}"*' for p in parts)


def matching(qs: QuerySet[Product], *, words: Sequence[str], every: bool, ranked: bool
             ) -> QuerySet[Product]:
    """``qs`` narrowed to products whose index has every word (or any, as prefixes).

    With ``ranked`` a ``search_rank`` annotation is added, larger for a better match; computing
    it costs about as much as finding the matches, so it is left out when the sort ignores it.
    Words are index tokens (letters, digits, CJK only), so quoting them is safe.
    """
    vendor = connection.vendor
    if vendor == "postgresql":
        expr = _quote_all(words, vendor) if every else _quote_any_prefix(words, vendor)
        tsquery = "to_tsquery('simple'::regconfig, %s)"
        qs = qs.filter(RawSQL(f"{TABLE}.{PG_COLUMN} @@ {tsquery}", [expr],
                              output_field=BooleanField()))
        if ranked:
            qs = qs.annotate(search_rank=RawSQL(f"ts_rank({TABLE}.{PG_COLUMN}, {tsquery})",
                                                [expr], output_field=FloatField()))
        return qs
    if vendor == "sqlite":
        expr = _quote_all(words, vendor) if every else _quote_any_prefix(words, vendor)
        # bm25() only exists inside the statement that runs MATCH, so the FTS table is joined
        # into it; the ORM has no model for a virtual table, hence extra() for the join.
        qs = qs.extra(  # noqa: S610
            tables=[FTS_TABLE],
            where=[f"{FTS_TABLE}.rowid = {TABLE}.id", f"{FTS_TABLE} MATCH %s"],
            params=[expr],
        )
        if ranked:
            qs = qs.annotate(search_rank=RawSQL(f"-bm25({FTS_TABLE})", [],
                                                output_field=FloatField()))
        return qs
    condition = Q()
    for word in words:
        term = Q(search_document__contains=word)
        condition = (condition & term) if every else (condition | term)
    qs = qs.filter(condition)
    return qs.annotate(search_rank=Value(0.0, output_field=FloatField())) if ranked else qs
