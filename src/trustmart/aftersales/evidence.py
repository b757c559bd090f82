"""Evidence pictures: decoded and re-encoded, never trusted by name or declared type.

Unlike avatars they keep their whole frame (no square crop): they are shrunk to fit within
``MAX_SIDE`` pixels and re-encoded as JPEG, which also drops metadata such as GPS positions.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from trustmart.core.errors import invalid
from trustmart.core.images import ACCEPTED_FORMATS, MAX_PIXELS

MAX_SIDE = 1600


def evidence_max_bytes() -> int:
    return int(getattr(settings, "AFTERSALE_IMAGE_MAX_BYTES", 5 * 1024 * 1024))


def evidence_jpeg(upload: UploadedFile, *, field: str = "images") -> tuple[bytes, int, int]:
    """The upload as a JPEG fitting ``MAX_SIDE`` (bytes, width, height), or ``InvalidInput``."""
    limit = evidence_max_bytes()
    if upload.size is None or upload.size > limit:
        raise invalid(field, _("The image is too large (at most %(mb).0f MB).")
                      % {"mb": limit / (1024 * 1024)}, code="file_too_large")
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise UnidentifiedImageError(probe.format)
            if probe.width * probe.height > MAX_PIXELS:
                raise UnidentifiedImageError("too many pixels")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as opened:
            upright = ImageOps.exif_transpose(opened).convert("RGB")
            upright.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise invalid(field, _("Upload a JPEG, PNG, WebP or GIF image."),
                      code="invalid_image") from exc
    buffer = io.BytesIO()
    upright.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue(), upright.width, upright.height
