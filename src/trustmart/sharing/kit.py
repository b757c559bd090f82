"""一键分发: a share's copy text, tagged link and poster for every channel at once.

Each channel has a character limit (see docs/sharing.md). Copy is assembled from parts in
order of importance (name, price, selling point, the sharer's word); parts that do not fit are
dropped whole, and only the name is shortened (with "…"). The price is never cut.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from trustmart.core.money import format_fen

from .models import Channel, Share

# Characters of copy text each channel takes (the link travels separately, except on Weibo
# where the link is part of the post and the platform counts it as a short link).
CHANNEL_LIMITS: dict[str, int] = {
    Channel.WECHAT_MOMENTS: 120,
    Channel.WECHAT_FRIEND: 60,
    Channel.WEIBO: 140,
    Channel.QQ: 80,
    Channel.DOUYIN: 55,
    Channel.XIAOHONGSHU: 20,   # the note's title
    Channel.LINK: 40,
}
ELLIPSIS = "…"


@dataclass(frozen=True)
class KitItem:
    channel: str
    label: str
    limit: int
    text: str
    url: str


@dataclass(frozen=True)
class Kit:
    code: str
    url: str
    poster_url: str
    items: list[KitItem]


def site_url(request: object | None = None) -> str:
    """``SITE_URL`` when set, else the scheme and host of the request, else ""."""
    if settings.SITE_URL:
        return str(settings.SITE_URL)
    if request is not None:
        return f"{request.scheme}://{request.get_host()}"  # type: ignore[attr-defined]
    return ""


def share_link(*, share: Share, base: str, channel: str | None = None) -> str:
    path = reverse("sharing:landing", args=[share.code])
    return f"{base}{path}?ch={channel or share.channel}"


def fit(*, name: str, price: str, extras: list[str], limit: int) -> str:
    """``name price extra…`` within ``limit`` characters; the price is always whole."""
    head = f"{name} {price}"
    if len(head) > limit:
        room = limit - len(price) - 1 - len(ELLIPSIS)
        if room < 1:
            return price[:limit] if len(price) > limit else price
        return f"{name[:room]}{ELLIPSIS} {price}"
    text = head
    for extra in extras:
        if extra and len(text) + 1 + len(extra) <= limit:
            text = f"{text} {extra}"
    return text


def copy_text(*, share: Share, channel: str) -> str:
    limit = CHANNEL_LIMITS.get(channel, CHANNEL_LIMITS[Channel.LINK])
    nickname = share.sharer.nickname
    if share.target == Share.Target.PRODUCT and share.product is not None:
        product = share.product
        price = format_fen(product.price_fen)
        extras = [product.subtitle,
                  _("%(nickname)s recommends it, genuine goods with escrow.")
                  % {"nickname": nickname}]
        if channel == Channel.XIAOHONGSHU:
            extras = []
        elif channel in (Channel.DOUYIN, Channel.WECHAT_FRIEND, Channel.QQ, Channel.LINK):
            extras = [product.subtitle]
        return fit(name=product.name, price=price, extras=extras, limit=limit)
    store = share.store
    name = store.name if store is not None else ""
    text = _("%(nickname)s's store %(name)s: genuine goods, shipped by the brands.") % {
        "nickname": nickname, "name": name}
    if len(text) <= limit:
        return text
    return text[:limit - 1] + ELLIPSIS


def poster_path(code: str) -> str:
    return reverse("sharing:poster", args=[code])


def share_kit(*, share: Share, base: str = "") -> Kit:
    """The copy text, link and poster of ``share`` for every channel."""
    items = [KitItem(channel=value, label=str(label),
                     limit=CHANNEL_LIMITS[value], text=copy_text(share=share, channel=value),
                     url=share_link(share=share, base=base, channel=value))
             for value, label in Channel.choices]
    return Kit(code=share.code, url=share_link(share=share, base=base),
               poster_url=f"{base}{poster_path(share.code)}", items=items)
