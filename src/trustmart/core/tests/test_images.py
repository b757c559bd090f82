"""core.images: the one check every uploaded picture goes through."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from trustmart.core.errors import InvalidInput
from trustmart.core.images import (
    MAX_PIXELS,
    WEB_FORMATS,
    image_check,
    image_clean,
    square_jpeg,
)


def picture(fmt: str = "PNG", size: tuple[int, int] = (300, 200), mode: str = "RGB",
            exif: bool = False) -> bytes:
    buffer = io.BytesIO()
    image = Image.new(mode, size, "red" if mode == "RGB" else 1)
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x0112] = 6  # orientation: rotated 90°, as phones write it
        data[0x010F] = "PhoneMaker"
        kwargs["exif"] = data.tobytes()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def upload(data: bytes, name: str = "x.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def test_reencodes_as_jpeg_fitting_the_side_and_drops_metadata() -> None:
    clean = image_clean(upload(picture("JPEG", (400, 200), exif=True)), field="f",
                        max_bytes=10**6, max_side=100)
    assert clean.format == "JPEG" and clean.extension == "jpg"
    assert (clean.width, clean.height) == (50, 100)  # turned upright, then fitted
    with Image.open(io.BytesIO(clean.data)) as out:
        assert out.format == "JPEG" and not out.getexif()


def test_square_crop_and_png_output() -> None:
    clean = image_clean(upload(picture()), field="logo", max_bytes=10**6, square=64,
                        output="PNG")
    assert (clean.width, clean.height, clean.extension) == (64, 64, "png")
    with Image.open(io.BytesIO(square_jpeg(upload(picture()), size=32))) as out:
        assert (out.format, out.size) == ("JPEG", (32, 32))


def test_byte_limit_is_the_callers() -> None:
    data = picture()
    with pytest.raises(InvalidInput) as caught:
        image_clean(upload(data), field="avatar", max_bytes=len(data) - 1)
    assert caught.value.code == "file_too_large"
    assert caught.value.fields == {"avatar": [str(caught.value.message)]}
    assert image_clean(upload(data), field="avatar", max_bytes=len(data)).width == 300


@pytest.mark.parametrize(("data", "formats"), [
    (b"not a picture at all", WEB_FORMATS),
    (picture("GIF"), WEB_FORMATS),
    (picture("BMP"), frozenset({"JPEG", "PNG", "WEBP", "GIF"})),
    (picture("PNG")[:60], WEB_FORMATS),  # truncated
])
def test_only_allowed_formats_that_decode(data: bytes, formats: frozenset[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        image_clean(upload(data), field="image", max_bytes=10**6, formats=formats)
    assert caught.value.code == "invalid_image"


def test_messages_name_the_allowed_formats() -> None:
    with pytest.raises(InvalidInput) as web:
        image_check(b"x", field="f", formats=WEB_FORMATS)
    with pytest.raises(InvalidInput) as any_format:
        image_check(b"x", field="f")
    assert "GIF" not in str(web.value.message) and "GIF" in str(any_format.value.message)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    side = int(MAX_PIXELS ** 0.5) + 1
    bomb = picture("PNG", (side, side), mode="1")  # a few kilobytes that decode to 40 MP
    assert len(bomb) < 200_000
    with pytest.raises(InvalidInput) as caught:
        image_clean(upload(bomb), field="image", max_bytes=10**6)
    assert caught.value.code == "invalid_image"
    assert image_check(picture(), field="f") == "PNG"
