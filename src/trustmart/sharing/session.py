"""The visitor's session and device: the share they came through, their device id."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from .models import Binding, Share
from .selectors import DEVICE_COOKIE, SESSION_SHARE_KEY

if TYPE_CHECKING:
    from django.http import HttpRequest

    from trustmart.accounts.models import User


def device_id_of(request: HttpRequest) -> tuple[str, bool]:
    """The device cookie's id and False, or a new id and True (the landing view sets the
    cookie)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if value and len(value) <= 64 and value.isalnum():
        return value, False
    return secrets.token_hex(16), True


def binding_from_session(request: HttpRequest, user: User) -> Binding | None:
    """Bind a user who just logged in or signed up to the share they arrived through."""
    from .services import binding_bind

    code = request.session.get(SESSION_SHARE_KEY)
    if not code or not user.is_authenticated:
        return None
    share = Share.objects.filter(code=str(code)).first()
    if share is None or share.sharer_id == user.pk:
        return None
    return binding_bind(buyer_id=user.pk, share=share)
