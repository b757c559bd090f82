"""Every uploaded picture goes through here: avatars, logos, product media, evidence, reviews.

An upload is never trusted by its name or declared type. ``image_clean`` checks, in this order:
the byte limit (the caller's setting), that Pillow recognises one of the allowed formats, the
pixel count before anything is decoded (decompression bombs), that the file verifies; then it
turns the picture upright, resizes it (square crop or fit within a side) and re-encodes it,
which also drops metadata such as GPS positions. Errors are ``InvalidInput`` on the caller's
field with the codes ``file_too_large`` and ``invalid_image``.

    clean = image_clean(upload, field="images", max_bytes=settings.X_MAX_BYTES, max_side=1600)
    clean.data, clean.width, clean.height, clean.extension
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidInput, invalid

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "GIF"})
WEB_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})  # no GIF: product and brand pictures
MAX_PIXELS = 40_000_000  # what a phone camera makes, several times over; more is a bomb

_FORMAT_MESSAGES: dict[frozenset[str], Promise] = {
    ACCEPTED_FORMATS: _("Upload a JPEG, PNG, WebP or GIF image."),
    WEB_FORMATS: _("Upload a JPEG, PNG or WebP image."),
}
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# What Pillow raises on a file that is not (entirely) a picture it can decode.
DECODE_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError,
                 Image.DecompressionBombError)


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded picture: its bytes, size and the file extension to store it under."""

    data: bytes
    width: int
    height: int
    format: str

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


def _format_error(field: str, formats: frozenset[str],
                  message: str | Promise | None) -> InvalidInput:
    text = message or _FORMAT_MESSAGES.get(formats, _("This file is not an image we accept."))
    return invalid(field, text, code="invalid_image")


def image_read(upload: UploadedFile, *, field: str, max_bytes: int) -> bytes:
    """The upload's bytes, or ``file_too_large`` if it declares or holds more than ``max_bytes``."""
    too_large = invalid(field, _("The image is too large (at most %(mb).0f MB).")
                        % {"mb": max_bytes / (1024 * 1024)}, code="file_too_large")
    if upload.size is None or upload.size > max_bytes:
        raise too_large
    upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    return data


def image_check(data: bytes | IO[bytes], *, field: str,
                formats: frozenset[str] = ACCEPTED_FORMATS,
                message: str | Promise | None = None) -> str:
    """Pillow's name of the format, once the file proves to be an allowed, sane picture.

    Reads only the header to count pixels, so a decompression bomb is refused undecoded.
    """
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        stream.seek(0)
        with Image.open(stream) as probe:
            found = probe.format or ""
            if found not in formats or probe.width * probe.height > MAX_PIXELS:
                raise UnidentifiedImageError(found)
            probe.verify()
    except DECODE_ERRORS as exc:
        raise _format_error(field, formats, message) from exc
    return found


def image_clean(upload: UploadedFile | bytes, *, field: str, max_bytes: int,
                formats: frozenset[str] = ACCEPTED_FORMATS, square: int | None = None,
                max_side: int | None = None, output: str = "JPEG", quality: int = 85,
                message: str | Promise | None = None) -> CleanImage:
    """Check an uploaded picture and re-encode it as ``output`` (JPEG or PNG).

    ``square``: crop to a ``square`` x ``square`` picture (avatars, logos); ``max_side``: shrink
    to fit within it, keeping the whole frame (product pictures, evidence). Bytes (already read
    from somewhere trusted to be small) skip the upload's size check but not the byte limit.
    """
    if isinstance(upload, bytes):
        if len(upload) > max_bytes:
            raise invalid(field, _("The image is too large (at most %(mb).0f MB).")
                          % {"mb": max_bytes / (1024 * 1024)}, code="file_too_large")
        data = upload
    else:
        data = image_read(upload, field=field, max_bytes=max_bytes)
    image_check(data, field=field, formats=formats, message=message)
    mode = "RGBA" if output == "PNG" else "RGB"
    try:
        with Image.open(io.BytesIO(data)) as opened:
            picture = ImageOps.exif_transpose(opened).convert(mode)
            if square is not None:
                picture = ImageOps.fit(picture, (square, square), Image.Resampling.LANCZOS)
            elif max_side is not None:
                picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except DECODE_ERRORS as exc:
        raise _format_error(field, formats, message) from exc
    buffer = io.BytesIO()
    if output == "PNG":
        picture.save(buffer, format="PNG", optimize=True)
    else:
        picture.save(buffer, format="JPEG", quality=quality, optimize=True)
    return CleanImage(buffer.getvalue(), picture.width, picture.height, output)


def square_jpeg(upload: UploadedFile, *, field: str = "avatar", size: int = 256,
                max_bytes: int | None = None) -> bytes:
    """The upload as a ``size`` x ``size`` JPEG (avatars), or ``InvalidInput`` on ``field``."""
    limit = settings.AVATAR_MAX_BYTES if max_bytes is None else max_bytes
    return image_clean(upload, field=field, max_bytes=limit, square=size, quality=88).data
