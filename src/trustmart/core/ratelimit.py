"""Cache-backed fixed-window rate limits.

Counters live in the default cache: process memory in the embedded default, Redis when
``REDIS_URL`` is set, so every web process shares them. ``cache.add`` + ``cache.incr`` are
atomic in Redis, so concurrent hits are all counted.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.functional import Promise

from .errors import RateLimited


def client_ip(request: HttpRequest) -> str:
    if getattr(settings, "TRUSTMART_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _window_key(key: str, window_seconds: int) -> tuple[str, int]:
    window = int(time.time() // window_seconds)
    retry_after = window_seconds - int(time.time() % window_seconds)
    return f"rl:{key}:{window_seconds}:{window}", retry_after


def count(key: str, *, window_seconds: int) -> int:
    cache_key, _retry = _window_key(key, window_seconds)
    return int(cache.get(cache_key, 0))


def hit(key: str, *, limit: int, window_seconds: int,
        message: str | Promise | None = None, code: str = "rate_limited") -> int:
    """Count one event for ``key``; raise ``RateLimited`` once more than ``limit`` happened."""
    cache_key, retry_after = _window_key(key, window_seconds)
    cache.add(cache_key, 0, timeout=window_seconds + 1)
    try:
        current = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 1)
        current = 1
    if current > limit:
        raise RateLimited(message, retry_after=retry_after, code=code)
    return current


def reset(key: str, *, window_seconds: int) -> None:
    cache_key, _retry = _window_key(key, window_seconds)
    cache.delete(cache_key)
