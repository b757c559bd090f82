from __future__ import annotations

from collections.abc import Callable

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.sharing import kit, services
from trustmart.sharing.models import Channel


def test_fit_never_cuts_the_price() -> None:
    assert kit.fit(name="保湿面霜", price="¥128.00", extras=["水润一整天"], limit=20) == \
        "保湿面霜 ¥128.00 水润一整天"
    assert kit.fit(name="保湿面霜", price="¥128.00", extras=["水润一整天"], limit=15) == \
        "保湿面霜 ¥128.00"
    short = kit.fit(name="特别特别长的保湿面霜礼盒装", price="¥1288.00", extras=[], limit=12)
    assert short.endswith(" ¥1288.00") and len(short) == 12 and "…" in short


@pytest.mark.django_db
def test_kit_has_every_channel_within_limits(make_user: Callable[..., User],
                                             product_factory: Callable[..., Product]) -> None:
    product = product_factory("山泉 超长名字的玻尿酸补水保湿面霜 50g 礼盒装 送小样",
                              price_fen=12_800)
    share = services.share_create(user=make_user("小美"), target="product",
                                  product_id=product.pk, channel="weibo")
    the_kit = kit.share_kit(share=share, base="https://m.example.test")
    assert [i.channel for i in the_kit.items] == list(Channel.values)
    for item in the_kit.items:
        assert len(item.text) <= kit.CHANNEL_LIMITS[item.channel], item
        assert "¥128.00" in item.text, item
        assert item.url == f"https://m.example.test/s/{share.code}?ch={item.channel}"
    assert the_kit.poster_url == f"https://m.example.test/s/{share.code}/poster.png"
    assert len(next(i for i in the_kit.items if i.channel == "xiaohongshu").text) <= 20


@pytest.mark.django_db
def test_site_url_setting_wins(make_user: Callable[..., User], product: Product,
                               settings: object) -> None:
    settings.SITE_URL = "https://trustmart.example"  # type: ignore[attr-defined]
    assert kit.site_url(None) == "https://trustmart.example"
