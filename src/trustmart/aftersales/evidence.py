"""Evidence pictures: checked and re-encoded by ``core.images``, never trusted by name or type.

Unlike avatars they keep their whole frame (no square crop): they are shrunk to fit within
``MAX_SIDE`` pixels and re-encoded as JPEG, which also drops metadata such as GPS positions.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from trustmart.core.images import image_clean

MAX_SIDE = 1600


def evidence_max_bytes() -> int:
    return int(getattr(settings, "AFTERSALE_IMAGE_MAX_BYTES", 5 * 1024 * 1024))


def evidence_jpeg(upload: UploadedFile, *, field: str = "images") -> tuple[bytes, int, int]:
    """The upload as a JPEG fitting ``MAX_SIDE`` (bytes, width, height), or ``InvalidInput``."""
    clean = image_clean(upload, field=field, max_bytes=evidence_max_bytes(), max_side=MAX_SIDE)
    return clean.data, clean.width, clean.height
