"""Health check for load balancers and monitoring."""

from __future__ import annotations

import time
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache


def _check_database() -> dict[str, object]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {"ok": True, "vendor": connection.vendor,
            "ms": round((time.perf_counter() - started) * 1000, 2)}


def _check_cache() -> dict[str, object]:
    started = time.perf_counter()
    backend = cache.__class__.__name__
    # A key per request: concurrent probes must not overwrite each other's value.
    value = uuid.uuid4().hex
    key = f"healthz:probe:{value}"
    try:
        cache.set(key, value, timeout=10)
        ok = cache.get(key) == value
        cache.delete(key)
    except Exception as exc:
        return {"ok": False, "backend": backend, "error": exc.__class__.__name__}
    return {"ok": ok, "backend": backend, "ms": round((time.perf_counter() - started) * 1000, 2)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database, cache_status = _check_database(), _check_cache()
    healthy = bool(database["ok"] and cache_status["ok"])
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "database": database, "cache": cache_status},
        status=200 if healthy else 503,
    )
