"""API authentication: a bearer token (apps, mini-programs, scripts) or the H5 session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from .services import api_token_authenticate


class TokenAuth(HttpBearer):
    openapi_description = "Authorization: Bearer tm_…  (create one at POST /api/tokens)"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)  # raises NotAuthenticated with a precise code
        request.user = user
        return user


token_or_session = [TokenAuth(), SessionAuth()]


def _anonymous(request: HttpRequest) -> Any:
    return AnonymousUser()


# For reads that anyone may try and the selector decides (a private file is 404 for anyone it
# is not meant for, the anonymous included): a valid token or session, or nobody.
token_session_or_anonymous = [*token_or_session, _anonymous]
