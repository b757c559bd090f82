"""API authentication: a bearer token (apps, mini-programs, scripts) or the H5 session.

Third-party apps (the ``developers`` app, higher up) authenticate with OAuth access tokens of
their own. This module cannot import that app, so the app registers how its tokens are checked
(``app_token_verifier_register``) and each endpoint that apps may call names the scope it needs
with ``app_or_user("orders:read")``. An app token is refused everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, SessionAuth
from ninja.security.base import AuthBase

from trustmart.core.errors import PermissionDenied

from .services import api_token_authenticate

# (request, raw token, the scope the endpoint needs or None) → the user the app acts as.
AppTokenVerifier = Callable[[HttpRequest, str, str | None], Any]
_app_verifiers: dict[str, AppTokenVerifier] = {}
# Scope → description, filled by the developers app; shown in the OpenAPI security scheme.
APP_SCOPES: dict[str, str] = {}
APP_TOKEN_URL = "/api/oauth/token"  # noqa: S105  (a path, not a secret)


def app_token_verifier_register(prefix: str, verifier: AppTokenVerifier) -> None:
    """Tokens starting with ``prefix`` are app access tokens checked by ``verifier``."""
    _app_verifiers[prefix] = verifier


def _app_verifier(token: str) -> AppTokenVerifier | None:
    for prefix, verifier in _app_verifiers.items():
        if token.startswith(prefix):
            return verifier
    return None


def _bearer(request: HttpRequest) -> str | None:
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class TokenAuth(HttpBearer):
    openapi_description = "Authorization: Bearer tm_…  (create one at POST /api/tokens)"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if _app_verifier(token) is not None:
            # An endpoint that names no scope is not open to apps at all.
            raise PermissionDenied(_("App access tokens cannot call this endpoint."),
                                   code="app_token_not_accepted")
        user = api_token_authenticate(token)  # raises NotAuthenticated with a precise code
        request.user = user
        return user


class AppTokenAuth(AuthBase):
    """An app's access token from the client-credentials grant, holding ``scope``."""

    openapi_type = "oauth2"
    openapi_description = ("Authorization: Bearer tmat_…  (an app's access token: POST "
                           f"{APP_TOKEN_URL} with grant_type=client_credentials)")
    openapi_flows = {"clientCredentials": {"tokenUrl": APP_TOKEN_URL, "scopes": APP_SCOPES}}

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        token = _bearer(request)
        verifier = _app_verifier(token) if token else None
        if token is None or verifier is None:
            return None  # not an app token: the next method decides
        user = verifier(request, token, self.scope)  # raises 401/403/429 with precise codes
        request.user = user
        return user


token_or_session = [TokenAuth(), SessionAuth()]


def app_or_user(scope: str) -> list[Any]:
    """What a merchant endpoint accepts: an app token with ``scope``, a user token, a session."""
    return [AppTokenAuth(scope), TokenAuth(), SessionAuth()]
def _anonymous(request: HttpRequest) -> Any:
    return AnonymousUser()


# For reads that anyone may try and the selector decides (a private file is 404 for anyone it
# is not meant for, the anonymous included): a valid token or session, or nobody.
token_session_or_anonymous = [*token_or_session, _anonymous]
