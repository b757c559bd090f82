"""How the API checks an app's access token: registered into ``accounts.auth`` at start-up.

A valid token with the endpoint's scope lets the app act as its own user (merchant staff with
the "app" role, so every object of another merchant is 404). On the way the call is counted
against the app's rate limit and marked for the audit trail (``middleware``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trustmart.accounts import auth as accounts_auth
from trustmart.core import ratelimit
from trustmart.core.errors import PermissionDenied
from trustmart.core.idempotency import actor_resolver_register

from .scopes import SCOPES
from .services.apps import TOKEN_PREFIX, AppTokenInvalid, token_authenticate


@dataclass
class CallMark:
    """What the audit middleware records about an app's call."""

    app_id: int
    merchant_id: int | None
    scope: str


class InsufficientScope(PermissionDenied):
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(_("This endpoint needs the scope %(scope)s, which the access token "
                           "does not have.") % {"scope": scope}, fields={"scope": [scope]})
        self.www_authenticate = f'Bearer error="insufficient_scope", scope="{scope}"'


def verify(request: HttpRequest, raw: str, scope: str | None) -> Any:
    try:
        info = token_authenticate(raw)
    except AppTokenInvalid as exc:
        app_id = getattr(exc, "app_id", None)
        if app_id is not None:
            request.developer_call = CallMark(app_id, getattr(exc, "merchant_id", None),  # type: ignore[attr-defined]
                                              scope or "")
        raise
    request.developer_call = CallMark(info.app_id, info.merchant_id, scope or "")  # type: ignore[attr-defined]
    ratelimit.hit(f"developers:app:{info.app_id}", limit=info.rate_limit_per_minute,
                  window_seconds=60, code="rate_limited",
                  message=_("This app made too many calls. Wait for the time in Retry-After."))
    if scope is None or scope not in info.scopes:
        raise InsufficientScope(scope or "")
    user = info.user
    return user


def idempotency_actor(request: HttpRequest) -> str | None:
    """Every token of an app is the app, so a retry with a fresh token is still a retry."""
    scheme, _sep, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip().startswith(TOKEN_PREFIX):
        return None
    try:
        return f"app:{token_authenticate(token.strip()).app_id}"
    except AppTokenInvalid:
        return None


def install() -> None:
    accounts_auth.app_token_verifier_register(TOKEN_PREFIX, verify)
    accounts_auth.APP_SCOPES.update({name: str(text) for name, text in SCOPES.items()})
    actor_resolver_register(idempotency_actor)
