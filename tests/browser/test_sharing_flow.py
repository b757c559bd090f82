"""A store owner shares a product to WeChat friends from the product page, sees the kit (copy
text, link, poster); a second person opens the link on their phone and lands on the product."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from trustmart.accounts.models import User
from trustmart.sharing.models import Binding, Share, Visit
from trustmart.stores.models import Store, StoreItem
from trustmart.stores.tests.factories import make_category, make_merchant, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def _log_in(page: Any, mobile: str, next_url: str) -> None:
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_share_to_wechat_friend_and_open_the_link(page: Any, shot: Any, browser: Any,
                                                  live_server: Any, settings: Any,
                                                  tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path
    brand = User.objects.create_user(mobile="13900009999", password=PASSWORD, nickname="品牌方")
    product = make_product(make_merchant(brand, name="山泉美妆"), make_category("护肤"),
                           name="保湿面霜 50g", price_fen=12_800)
    sharer = User.objects.create_user(mobile="13912345678", password=PASSWORD, nickname="小雨")
    store = Store.objects.create(owner=sharer, name="小雨的好物分享")
    StoreItem.objects.create(store=store, product=product)

    _log_in(page, "13912345678", f"/p/{product.pk}/")
    page.get_by_test_id("store-button-slot").wait_for(state="detached")  # htmx filled it
    page.screenshot(path=str(Path(shot("product-page")).with_suffix(".bar.png")))
    page.get_by_test_id("share-button").click()
    page.get_by_test_id("share-sheet").wait_for()
    shot("share-sheet")
    page.get_by_test_id("channel-wechat_friend").click()
    page.get_by_test_id("share-kit").wait_for()
    share = Share.objects.get(sharer=sharer)
    assert share.channel == "wechat_friend" and share.store == store
    copy_text = page.get_by_test_id("copy-text").input_value()
    assert "保湿面霜 50g" in copy_text and "¥128.00" in copy_text
    link = page.get_by_test_id("share-link").input_value()
    assert link.endswith(f"/s/{share.code}?ch=wechat_friend")
    poster = page.get_by_test_id("poster-image")
    poster.scroll_into_view_if_needed()
    # Locator waits, not wait_for_function: the page's CSP forbids the eval that one uses.
    expect(poster).to_have_js_property("complete", True)
    expect(poster).not_to_have_js_property("naturalWidth", 0)
    assert page.evaluate("el => el.naturalWidth", poster.element_handle()) == 750
    page.get_by_test_id("copy-button").click()
    shot("share-kit")
    page.goto(f"/s/{share.code}/poster.png")

    # A friend opens the link on another phone (a fresh browser context, not logged in).
    friend = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                 has_touch=True, locale="zh-CN", base_url=live_server.url)
    try:
        tab = friend.new_page()
        tab.goto(link)
        tab.wait_for_url(f"**/p/{product.pk}/?store={store.pk}")
        tab.get_by_test_id("product-page").wait_for()
        assert "保湿面霜 50g" in tab.content()
        poster_shot = Path(shot("poster"))  # names the friend's screenshot next to it
        tab.screenshot(path=str(poster_shot.with_name(
            poster_shot.name.replace("-poster", "-friend-landed"))), full_page=True)
        cookies = {c["name"] for c in friend.cookies()}
        assert "tm_device" in cookies
    finally:
        friend.close()
    visit = Visit.objects.get(share=share)
    assert visit.channel == "wechat_friend" and visit.counted and visit.visitor is None
    assert not Binding.objects.exists()  # anonymous: bound only once they log in
