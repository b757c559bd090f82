"""The one error type every API and page error goes through.

A service raises ``DomainError`` (or a subclass); the API turns it into
``{"code": "...", "message": "..."}`` with its HTTP status, the message already in the
user's language (messages are lazy translations resolved at render time).
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message: str | Promise = _("The request could not be processed.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        self.message = message if message is not None else self.default_message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = {k: [str(m) for m in v] for k, v in self.fields.items()}
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    default_message = _("Some of the information you entered is not valid.")


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = _("Please log in first.")


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    default_message = _("You are not allowed to do this.")


class NotFound(DomainError):
    """Also what another user's object looks like: it does not exist for them."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state. Refresh and try again.")


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many requests. Please wait a moment and try again.")

    def __init__(self, message: str | Promise | None = None, *, retry_after: int = 60,
                 code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


def invalid(field: str, message: str | Promise, *, code: str = "invalid_input") -> InvalidInput:
    """A one-field validation error: ``raise invalid("mobile", _("..."))``."""
    return InvalidInput(message, code=code, fields={field: [str(message)]})
