"""Idempotency keys for retried writes.

A client sends ``Idempotency-Key: <unique string>`` with a write. The first request runs and its
successful response is stored; a retry with the same key and the same parameters gets that stored
response back (marked ``Idempotent-Replayed: true``) without running again; the same key with
other parameters is refused. Only successful responses are kept, so a request that failed can be
corrected and sent again with its key.

Two refinements keep keys from doing harm:

* A response that carries a secret (an API token, a session created by sign-up) is never
  stored: endpoints wrapped with ``idempotent_secret`` keep only a marker, and a retry gets
  ``409 token_already_issued`` instead of a second copy of the secret from the database.
* A request holds its key for a lease (``IDEMPOTENCY_LEASE_SECONDS``, 60 s by default). If it
  died mid-way (the process was killed, the connection dropped) a retry after the lease takes
  the key over, with a conditional update on the lease's token, so of two retries only one can
  win, and the attempt it replaced can no longer store its answer.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
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
Status = IdempotencyKey.Status


def lease() -> timedelta:
    return timedelta(seconds=int(settings.IDEMPOTENCY_LEASE_SECONDS))


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


def _error(exc: DomainError, *, retry_after: int | None = None) -> HttpResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _in_progress(locked_until: datetime | None) -> HttpResponse:
    wait = 1
    if locked_until is not None:
        wait = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    return _error(Conflict(
        _("The first request with this idempotency key is still being processed."),
        code="idempotency_in_progress"), retry_after=wait)


def _answer_existing(existing: IdempotencyKey, req_hash: str) -> HttpResponse | None:
    """What a repeated key gets, or None when an expired lease may be taken over."""
    if existing.request_hash != req_hash:
        return _error(InvalidInput(
            _("This idempotency key was already used for a different request."),
            code="idempotency_key_reused"))
    if existing.status == Status.SECRET_WITHHELD:
        return _error(Conflict(
            _("This request already succeeded. What it returned included a secret (a token), "
              "which is shown only once and not kept. Send a new request with a new "
              "idempotency key to get a new one."),
            code="token_already_issued"))
    if existing.status == Status.DONE:
        replay = HttpResponse(
            bytes(existing.response_body or b""),
            status=existing.response_status or 200,
            content_type=existing.response_content_type or "application/json",
        )
        replay["Idempotent-Replayed"] = "true"
        return replay
    return None


def _claim(*, actor: str, scope: str, key: str, req_hash: str,
           token: str) -> HttpResponse | int:
    """Take the key for this attempt (its row's id), or the answer a repeated key gets."""
    for _attempt in range(3):
        until = timezone.now() + lease()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    actor=actor, scope=scope, key=key, request_hash=req_hash,
                    lease_token=token, locked_until=until).pk
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(actor=actor, scope=scope, key=key).first()
        if existing is None:
            continue  # the attempt that held it failed and let go in between: try again
        answer = _answer_existing(existing, req_hash)
        if answer is not None:
            return answer
        if existing.locked_until is not None and existing.locked_until > timezone.now():
            return _in_progress(existing.locked_until)
        # The lease ran out: the attempt that held the key died. Take it over, unless another
        # retry just did (the update matches only the token we saw).
        taken = IdempotencyKey.objects.filter(
            pk=existing.pk, status=Status.IN_PROGRESS, lease_token=existing.lease_token,
        ).update(lease_token=token, locked_until=until)
        if taken:
            return existing.pk
        return _in_progress(until)
    return _in_progress(None)


def _store(pk: int, token: str, response: HttpResponse, *, secret: bool) -> None:
    held = IdempotencyKey.objects.filter(pk=pk, lease_token=token, status=Status.IN_PROGRESS)
    if secret:
        held.update(status=Status.SECRET_WITHHELD, response_status=response.status_code,
                    response_body=None,
                    response_content_type=response.get("Content-Type", ""), locked_until=None)
    else:
        held.update(status=Status.DONE, response_status=response.status_code,
                    response_body=response.content,
                    response_content_type=response.get("Content-Type", ""), locked_until=None)


def _release(pk: int, token: str) -> None:
    IdempotencyKey.objects.filter(pk=pk, lease_token=token, status=Status.IN_PROGRESS).delete()


def _wrap(view: Callable[..., HttpResponse], *, secret: bool) -> Callable[..., HttpResponse]:
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        key = request.META.get(HEADER, "").strip()
        if not key:
            return view(request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            return _error(InvalidInput(_("The idempotency key is too long."),
                                       code="idempotency_key_invalid"))
        token = uuid.uuid4().hex
        claimed = _claim(actor=_actor(request), scope=f"{request.method} {request.path}",
                         key=key, req_hash=_request_hash(request), token=token)
        if isinstance(claimed, HttpResponse):
            return claimed
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            _release(claimed, token)
            raise
        if 200 <= response.status_code < 300 and not getattr(response, "streaming", False):
            _store(claimed, token, response, secret=secret)
        else:
            _release(claimed, token)
        return response

    return wrapper


def idempotent(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a Django (or django-ninja, through ``decorate_view``) view with key handling."""
    return _wrap(view, secret=False)


def idempotent_secret(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like ``idempotent`` for a view whose response carries a secret: a retry does not run
    again, and gets ``409 token_already_issued`` instead of a stored copy of the secret."""
    return _wrap(view, secret=True)


def purge_expired() -> int:
    deleted, _rows = IdempotencyKey.objects.filter(
        created_at__lt=timezone.now() - RETENTION
    ).delete()
    return deleted
