"""API authentication: a bearer token (apps, mini-programs, scripts) or the H5 session."""

from __future__ import annotations

from typing import Any

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
