"""WeChat's JS-SDK for share cards: the access token and jsapi_ticket kept in the cache with
their expiry, refreshed before it, one refresh at a time; the page signature; the share hook
on every page (only inside WeChat, and only when an official account is configured)."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

import pytest
import time_machine
from django.test import Client

from trustmart.payments import wechat_oa

from .conftest import WX_OA_APPID

pytestmark = pytest.mark.django_db


def test_the_signature_is_sha1_of_the_four_fields_in_order() -> None:
    # The example of WeChat's JS-SDK documentation (附录1).
    assert wechat_oa.jssdk_signature(
        ticket="sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
        nonce="Wm3WZYTPz0wzccnW", timestamp="1414587457",
        url="http://mp.weixin.qq.com?params=value") == \
        "0f9de62fce790f9a083d5c99e95740ceb90c27ed"


def test_tokens_are_cached_with_their_expiry_and_refreshed_before_it(
        fake_wechat_api: Any) -> None:
    fake_wechat_api.token_seconds = 7200
    config = wechat_oa.jssdk_config(url="https://shop.test/products/1/#share")
    assert config["appId"] == WX_OA_APPID
    expected = hashlib.sha1(  # noqa: S324
        f"jsapi_ticket=ticket-1-token-1&noncestr={config['nonceStr']}"
        f"&timestamp={config['timestamp']}&url=https://shop.test/products/1/".encode()).hexdigest()
    assert config["signature"] == expected  # the fragment is not signed
    for _ in range(5):
        wechat_oa.jssdk_config(url="https://shop.test/")
    assert fake_wechat_api.calls == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]
    # Five minutes before expiry both are refreshed (not after: no page ever fails on it).
    with time_machine.travel(time.time() + 7200 - 250, tick=False):
        wechat_oa.jssdk_config(url="https://shop.test/")
    assert fake_wechat_api.calls.count("/cgi-bin/token") == 2
    assert fake_wechat_api.calls.count("/cgi-bin/ticket/getticket") == 2


def test_one_refresh_at_a_time(fake_wechat_api: Any) -> None:
    start = threading.Barrier(6)
    tokens: list[str] = []

    def ask() -> None:
        start.wait()
        tokens.append(wechat_oa.access_token())

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert tokens == ["token-1"] * 6
    assert fake_wechat_api.calls == ["/cgi-bin/token"]


def test_the_config_endpoint_signs_pages_of_this_site_only(fake_wechat_api: Any) -> None:
    client = Client()
    ours = client.get("/wechat/jssdk/", {"url": "http://testserver/stores/s1/?from=share"})
    assert ours.status_code == 200 and set(ours.json()) == {"appId", "timestamp", "nonceStr",
                                                             "signature"}
    assert client.get("/wechat/jssdk/", {"url": "https://evil.test/"}).status_code == 404


def test_every_page_carries_the_share_hook_when_an_account_is_configured(
        settings: Any, db: None) -> None:
    settings.WECHAT_OA_APPID, settings.WECHAT_OA_SECRET = "", ""
    assert "wechat-share.js" not in Client().get("/").content.decode()
    settings.WECHAT_OA_APPID, settings.WECHAT_OA_SECRET = WX_OA_APPID, "oa-secret"
    page = Client().get("/").content.decode()
    assert 'src="/static/web/wechat-share.js" data-config-url="/wechat/jssdk/"' in page
    # The script decides in the browser (the page is the same for everyone, cached or not)
    # and loads WeChat's SDK only inside WeChat; it feeds the page's Open Graph data.
    from pathlib import Path

    from django.contrib.staticfiles import finders

    script = Path(str(finders.find("web/wechat-share.js"))).read_text()
    assert 'indexOf("MicroMessenger") === -1' in script
    assert "updateAppMessageShareData" in script and "updateTimelineShareData" in script
    assert 'meta[property="og:' in script
    # WeChat's SDK itself is never a script of the page: the hook adds it inside WeChat.
    assert '<script src="https://res.wx.qq.com' not in page
    assert 'data-sdk="https://res.wx.qq.com/open/js/jweixin-1.6.0.js"' in page
