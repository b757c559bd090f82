"""The merchant's public face: introduction and logo, edited by its staff.

The name is the vetted brand name and the company data come from the application, so neither
is editable here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, invalid
from trustmart.core.images import WEB_FORMATS, image_clean
from trustmart.core.services import model_update

from ..models import Merchant
from ..selectors import merchant_for_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

INTRODUCTION_MAX = 500
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_SIZE = 256


def _logo_png(upload: UploadedFile) -> bytes:
    """Decode (never trust the name), square-crop to 256 px and re-encode as PNG."""
    return image_clean(upload, field="logo", max_bytes=LOGO_MAX_BYTES, formats=WEB_FORMATS,
                       square=LOGO_SIZE, output="PNG").data


def merchant_profile_update(*, user: User | AnonymousUser, merchant_id: int,
                            introduction: str | None = None,
                            logo: UploadedFile | None = None) -> Merchant:
    """Staff edit the introduction and logo buyers see on the merchant's public card."""
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    if merchant.status == Merchant.Status.CLOSED:
        raise Conflict(_("This merchant is closed."), code="merchant_closed")
    text = None if introduction is None else introduction.strip()
    if text is not None and len(text) > INTRODUCTION_MAX:
        raise invalid("introduction", _("The introduction is too long (at most 500 characters)."),
                      code="introduction_too_long")
    png = _logo_png(logo) if logo is not None else None
    with transaction.atomic():
        if text is not None:
            model_update(merchant, data={"introduction": text}, fields=["introduction"])
        old = merchant.logo.name if merchant.logo else ""
        if png is not None:
            merchant.logo.save("logo.png", ContentFile(png), save=False)
            merchant.save(update_fields=["logo"])
    if png is not None and old and old != merchant.logo.name:
        merchant.logo.storage.delete(old)
    return merchant
