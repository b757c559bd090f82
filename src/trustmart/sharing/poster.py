"""海报: a PNG with the product (or store), its price, the sharer's nickname and a QR code.

Chinese text needs a CJK font. It is found at run time (fontconfig, then known font folders)
and checked to really hold CJK glyphs; without one we refuse with a clear configuration error
instead of drawing empty boxes. Posters are cached on disk per language, as
MEDIA_ROOT/posters/<code>.<language>.png: a Chinese and an English viewer each get their own.
"""

from __future__ import annotations

import io
import secrets
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import qrcode
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation
from PIL import Image, ImageDraw, ImageFont, ImageOps

from trustmart.catalog.models import ProductImage
from trustmart.core.money import format_fen

from .models import Share

WIDTH, HEIGHT = 750, 1100
PROBE = "保湿面霜分享"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "/System/Library/Fonts",
             "/Library/Fonts", str(Path.home() / ".fonts"), str(Path.home() / ".local/share/fonts"))
FC_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "sans:lang=zh")
FONT_NAMES = ("NotoSansCJK", "NotoSansSC", "NotoSerifCJK", "SourceHanSans", "wqy", "WenQuanYi",
              "DroidSansFallback", "PingFang", "msyh", "simhei")


class FontMissing(ImproperlyConfigured):
    pass


def has_cjk_glyphs(font: ImageFont.FreeTypeFont, text: str = PROBE) -> bool:
    """True when every character of ``text`` draws a real glyph, not the .notdef box."""
    notdef = bytes(font.getmask("\uffff"))
    for char in text:
        mask = font.getmask(char)
        if not mask.getbbox() or bytes(mask) == notdef:
            return False
    return True


def _candidates() -> list[str]:
    found: list[str] = []
    if shutil.which("fc-match"):
        for family in FC_FAMILIES:
            try:
                out = subprocess.run(["fc-match", "-f", "%{file}", family],  # noqa: S603,S607
                                     capture_output=True, text=True, timeout=5, check=False)
            except (OSError, subprocess.SubprocessError):
                break
            if out.stdout.strip():
                found.append(out.stdout.strip())
    for folder in FONT_DIRS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in (".ttc", ".otf", ".ttf") and any(
                    name.lower() in path.name.lower() for name in FONT_NAMES):
                found.append(str(path))
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1)
def cjk_font_file() -> str:
    """The path of a font that draws Chinese, or ``FontMissing``."""
    configured = getattr(settings, "SHARING_POSTER_FONT", "")
    for path in ([configured] if configured else []) + _candidates():
        try:
            font = ImageFont.truetype(path, 32)
        except OSError:
            continue
        if has_cjk_glyphs(font):
            return path
    raise FontMissing("Posters need a CJK font (e.g. Debian's fonts-noto-cjk, installed by "
                      "scripts/ensure-browser.sh) or SHARING_POSTER_FONT set to one.")


def cjk_font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_file(), size)


def poster_language(language: str | None = None) -> str:
    """A supported language code for ``language`` (default: the active one), so a file name
    never holds whatever a request sent."""
    wanted = language or translation.get_language() or settings.LANGUAGE_CODE
    try:
        return translation.get_supported_language_variant(wanted)
    except LookupError:
        return str(settings.LANGUAGE_CODE)


def poster_file(code: str, language: str | None = None) -> Path:
    return Path(settings.MEDIA_ROOT) / "posters" / f"{code}.{poster_language(language)}.png"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int,
          lines: int) -> list[str]:
    out: list[str] = []
    current = ""
    for char in text:
        if draw.textlength(current + char, font=font) > width:
            out.append(current)
            current = char
            if len(out) == lines:
                out[-1] = out[-1][:-1] + "…"
                return out
        else:
            current += char
    if current:
        out.append(current)
    return out


def _picture(share: Share) -> Image.Image | None:
    if share.target == Share.Target.PRODUCT and share.product_id:
        image = (ProductImage.objects.filter(product_id=share.product_id)
                 .order_by("position", "pk").first())
        if image is not None and image.image:
            try:
                with image.image.open("rb") as handle:
                    return Image.open(io.BytesIO(handle.read())).convert("RGB")
            except (OSError, ValueError):
                return None
    if share.store is not None and share.store.avatar:
        try:
            with share.store.avatar.open("rb") as handle:
                return Image.open(io.BytesIO(handle.read())).convert("RGB")
        except (OSError, ValueError):
            return None
    return None


def render_poster(*, share: Share, link: str) -> bytes:
    """The poster of ``share`` as PNG bytes; ``link`` goes into the QR code."""
    from django.utils.translation import gettext as _

    canvas = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, 90), fill=(232, 70, 58))
    draw.text((40, 22), _("TrustMart · genuine goods"), font=cjk_font(38), fill="white")
    picture = _picture(share)
    side = WIDTH - 80
    if picture is not None:
        picture = ImageOps.fit(picture, (side, side * 3 // 4))
        canvas.paste(picture, (40, 120))
    else:
        draw.rectangle((40, 120, 40 + side, 120 + side * 3 // 4), fill=(246, 241, 236))
    y = 120 + side * 3 // 4 + 30
    if share.target == Share.Target.PRODUCT and share.product is not None:
        title, price = share.product.name, format_fen(share.product.price_fen)
    else:
        title, price = (share.store.name if share.store else ""), ""
    for line in _wrap(draw, title, cjk_font(40), WIDTH - 80 - 240, 2):
        draw.text((40, y), line, font=cjk_font(40), fill=(34, 34, 34))
        y += 54
    if price:
        draw.text((40, y + 6), price, font=cjk_font(52), fill=(232, 70, 58))
    draw.text((40, HEIGHT - 110),
              _("Shared by %(nickname)s") % {"nickname": share.sharer.nickname},
              font=cjk_font(30), fill=(90, 90, 90))
    draw.text((40, HEIGHT - 64), _("Scan the code to buy"), font=cjk_font(26),
              fill=(140, 140, 140))
    qr = qrcode.QRCode(border=1, box_size=8)
    qr.add_data(link)
    qr.make(fit=True)
    code_image = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    code_image = code_image.resize((220, 220), Image.Resampling.NEAREST)
    canvas.paste(code_image, (WIDTH - 40 - 220, HEIGHT - 40 - 220 - 20))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def poster_get(*, share: Share, link: str, language: str | None = None) -> Path:
    """The cached poster file of ``share`` in ``language`` (default: the active language),
    drawn on first use in that language and again after the product changed (a poster must
    never show an old price)."""
    language = poster_language(language)
    path = poster_file(share.code, language)
    changed = share.product.updated_at if share.product is not None else None
    stale = path.exists() and changed is not None and changed.timestamp() > path.stat().st_mtime
    if stale or not path.exists():
        with translation.override(language):
            data = render_poster(share=share, link=link)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{secrets.token_hex(4)}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path
