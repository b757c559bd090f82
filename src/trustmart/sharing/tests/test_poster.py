from __future__ import annotations

import io
from collections.abc import Callable

import pytest
import qrcode  # noqa: F401  (declared dependency)
from PIL import Image, ImageFont

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.sharing import poster, services


def test_cjk_font_draws_chinese_glyphs() -> None:
    font = poster.cjk_font(40)
    notdef = bytes(font.getmask("\uffff"))
    for char in "保湿面霜":
        mask = font.getmask(char)
        assert mask.getbbox(), char
        assert bytes(mask) != notdef, char
    assert len({bytes(font.getmask(c)) for c in "保湿面霜"}) == 4


def test_a_latin_only_font_is_refused() -> None:
    latin = ImageFont.load_default()
    assert not poster.has_cjk_glyphs(latin)  # type: ignore[arg-type]


def test_no_cjk_font_is_a_clear_configuration_error(monkeypatch: pytest.MonkeyPatch,
                                                    settings: object) -> None:
    poster.cjk_font_file.cache_clear()
    monkeypatch.setattr(poster, "_candidates", lambda: [])
    settings.SHARING_POSTER_FONT = ""  # type: ignore[attr-defined]
    try:
        with pytest.raises(poster.FontMissing, match="CJK font"):
            poster.cjk_font_file()
    finally:
        poster.cjk_font_file.cache_clear()


@pytest.mark.django_db
def test_render_poster(make_user: Callable[..., User], product: Product) -> None:
    share = services.share_create(user=make_user("小美"), target="product",
                                  product_id=product.pk, channel="wechat_moments")
    data = poster.render_poster(share=share, link=f"https://example.test/s/{share.code}")
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (poster.WIDTH, poster.HEIGHT)
    # the product picture (a flat test colour) was pasted under the header
    assert image.convert("RGB").getpixel((poster.WIDTH // 2, 300)) == (200, 80, 60)
