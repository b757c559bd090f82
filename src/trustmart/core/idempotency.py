"""Idempotency keys for retried writes.

A client sends ``Idempotency-Key: <unique string>`` with a write. The first request runs and its
successful response is stored; a retry with the same key and the same parameters gets that stored
response back (marked ``Idempotent-Replayed: true``) without running again; the same key with
other parameters is refused. Only successful responses are kept, so a request that failed can be
corrected and sent again with its key.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import Conflict, DomainError, InvalidInput
from .models import IdempotencyKey
from .ratelimit import client_ip

HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 128
RETENTION = timedelta(hours=24)


def _request_hash(request: HttpRequest) -> str:
    body = request.body
    if request.content_type == "application/json" and body:
        # The same JSON written with other spacing or key order is the same request.
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode() + b"\0")
    digest.update(body)
    return digest.hexdigest()


# Higher apps may name the caller behind a credential before the API authenticates it: every
# short-lived access token of one third-party app is that app, so its retry with a fresh token
# is still a retry.
ActorResolver = Callable[[HttpRequest], "str | None"]
_actor_resolvers: list[ActorResolver] = []


def actor_resolver_register(resolver: ActorResolver) -> None:
    if resolver not in _actor_resolvers:
        _actor_resolvers.append(resolver)


def _actor(request: HttpRequest) -> str:
    """Who is asking, known before the API authenticates: keys of two callers never collide."""
    for resolver in _actor_resolvers:
        actor = resolver(request)
        if actor:
            return actor
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        return "cred:" + hashlib.sha256(authorization.encode()).hexdigest()[:32]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request)}"


def _error(exc: DomainError) -> HttpResponse:
    return JsonResponse(exc.as_dict(), status=exc.status)


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a Django (or django-ninja, through ``decorate_view``) view with key handling."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        key = request.META.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return _error(InvalidInput(_("The idempotency key is too long."),
                                       code="idempotency_key_invalid"))
        actor, scope = _actor(request), f"{request.method} {request.path}"
        req_hash = _request_hash(request)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    actor=actor, scope=scope, key=key, request_hash=req_hash
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.get(actor=actor, scope=scope, key=key)
            if existing.request_hash != req_hash:
                return _error(InvalidInput(
                    _("This idempotency key was already used for a different request."),
                    code="idempotency_key_reused"))
            if existing.status != IdempotencyKey.Status.DONE:
                return _error(Conflict(
                    _("The first request with this idempotency key is still being processed."),
                    code="idempotency_in_progress"))
            replay = HttpResponse(
                bytes(existing.response_body or b""),
                status=existing.response_status or 200,
                content_type=existing.response_content_type or "application/json",
            )
            replay["Idempotent-Replayed"] = "true"
            return replay

        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            record.delete()
            raise
        if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
            IdempotencyKey.objects.filter(pk=record.pk).update(
                status=IdempotencyKey.Status.DONE,
                response_status=response.status_code,
                response_body=response.content,
                response_content_type=response.get("Content-Type", ""),
            )
        else:
            record.delete()
        return response

    return wrapper


def purge_expired() -> int:
    deleted, _rows = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - RETENTION
    ).delete()
    return deleted
