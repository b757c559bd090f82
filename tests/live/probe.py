"""Read a live process's database from the test: PostgreSQL (psycopg) or the SQLite file."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def query(env: Mapping[str, str], sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    url = env.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            return list(conn.execute(sql.replace("?", "%s"), params).fetchall())
    path = Path(env["TRUSTMART_DATA_DIR"]) / "trustmart.sqlite3"
    with sqlite3.connect(path, timeout=20) as conn:
        return list(conn.execute(sql, params).fetchall())


def outbox(env: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every outbox row: id, name, status, attempts, payload (decoded)."""
    rows = query(env, "SELECT id, name, status, attempts, payload FROM core_outboxevent")
    return [{"id": str(uuid.UUID(str(row[0]))), "name": row[1], "status": row[2],
             "attempts": row[3],
             "payload": json.loads(row[4]) if isinstance(row[4], str) else row[4]}
            for row in rows]


def handled(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """Every HandledEvent row as (event id, handler)."""
    return [(str(uuid.UUID(str(event_id))), handler) for event_id, handler in
            query(env, "SELECT event_id, handler FROM core_handledevent")]
