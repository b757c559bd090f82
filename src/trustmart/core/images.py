"""Uploaded pictures that become square thumbnails (user avatars, store avatars, logos).

The file is decoded, never trusted by its name or declared type, checked for size and pixel
count (decompression bombs) before decoding, turned upright, cropped square and re-encoded as
JPEG, which also drops metadata such as GPS positions.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import invalid

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
MAX_PIXELS = 40_000_000


def square_jpeg(upload: UploadedFile, *, field: str = "avatar", size: int = 256,
                max_bytes: int | None = None) -> bytes:
    """The upload as a ``size`` x ``size`` JPEG, or ``InvalidInput`` on ``field``."""
    limit = settings.AVATAR_MAX_BYTES if max_bytes is None else max_bytes
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
            upright = ImageOps.exif_transpose(opened)
            square = ImageOps.fit(upright.convert("RGB"), (size, size),
                                  Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise invalid(field, _("Upload a JPEG, PNG, WebP or GIF image."),
                      code="invalid_image") from exc
    buffer = io.BytesIO()
    square.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()
