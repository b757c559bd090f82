"""The merchant's public face: introduction and logo, edited by its staff.

The name is the vetted brand name and the company data come from the application, so neither
is editable here.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from trustmart.core.errors import Conflict, invalid

from ..models import Merchant
from ..selectors import merchant_for_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

INTRODUCTION_MAX = 500
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_SIZE = 256
LOGO_MAX_PIXELS = 40_000_000
LOGO_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


def _logo_png(upload: UploadedFile) -> bytes:
    """Decode (never trust the name), square-crop to 256 px and re-encode as PNG."""
    if upload.size is None or upload.size > LOGO_MAX_BYTES:
        raise invalid("logo", _("The image is too large (at most 2 MB)."), code="file_too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in LOGO_FORMATS or probe.width * probe.height > LOGO_MAX_PIXELS:
                raise UnidentifiedImageError(probe.format)
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            square = ImageOps.fit(ImageOps.exif_transpose(opened).convert("RGBA"),
                                  (LOGO_SIZE, LOGO_SIZE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise invalid("logo", _("Upload a JPEG, PNG or WebP image."),
                      code="invalid_image") from exc
    buffer = io.BytesIO()
    square.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


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
        fields: list[str] = []
        if text is not None:
            merchant.introduction = text
            fields.append("introduction")
        old = merchant.logo.name if merchant.logo else ""
        if png is not None:
            merchant.logo.save("logo.png", ContentFile(png), save=False)
            fields.append("logo")
        if fields:
            merchant.save(update_fields=fields)
    if png is not None and old and old != merchant.logo.name:
        merchant.logo.storage.delete(old)
    return merchant
