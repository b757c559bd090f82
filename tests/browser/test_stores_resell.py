"""A buyer on a phone opens a store in one step from a product page, resells the product with
one click, features it in 我的小店 and opens the public store page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from trustmart.accounts.models import Role, User
from trustmart.accounts.selectors import user_has_role
from trustmart.stores.models import Store, StoreItem
from trustmart.stores.tests.factories import make_category, make_merchant, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def zh(msgid: str) -> str:
    """What the page shows in Chinese (the English msgid until the catalog is merged)."""
    with translation.override("zh-hans"):
        return gettext(msgid)


def test_open_store_resell_feature_and_share(page: Any, shot: Any, tmp_path: Path) -> None:
    brand = User.objects.create_user(mobile="13900009999", password=PASSWORD, nickname="品牌方")
    merchant = make_merchant(brand, name="山水茶业")
    product = make_product(merchant, make_category("茶叶"), name="明前龙井 250g",
                           price_fen=12_800)
    User.objects.create_user(mobile="13912345678", password=PASSWORD, nickname="小雨")

    page.goto(f"/login/?next=/p/{product.pk}/")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/p/{product.pk}/")

    # No store yet: the product page offers to open one first, then come back.
    open_first = page.get_by_test_id("resell-open-store")
    open_first.wait_for()
    shot("product-without-store")
    open_first.click()
    page.get_by_test_id("open-store-form").wait_for()
    page.locator("input[name=name]").fill("小雨的好物分享")
    page.locator("textarea[name=introduction]").fill("只分享自己用过的好东西")
    shot("open-store-form")
    page.get_by_test_id("open-store").click()
    page.wait_for_url(f"**/p/{product.pk}/")
    user = User.objects.get(mobile="13912345678")
    store = Store.objects.get(owner=user)
    assert user_has_role(user, Role.STORE_OWNER)

    add = page.get_by_test_id("resell-add")
    add.wait_for()
    assert zh("Resell in one click · Add to my store") in add.inner_text()
    shot("product-with-resell-button")
    add.click()
    remove = page.get_by_test_id("resell-remove")
    remove.wait_for()
    assert zh("In my store · Remove") in remove.inner_text()
    assert StoreItem.objects.filter(store=store, product=product).exists()
    shot("resold")

    page.goto("/my/store/")
    row = page.get_by_test_id("my-item")
    row.wait_for()
    assert "明前龙井 250g" in row.inner_text() and "¥128.00" in row.inner_text()
    assert page.get_by_test_id("share-url").input_value().endswith(f"/s/{store.pk}/")
    assert page.get_by_test_id("stat-pending").inner_text() == "¥0.00"
    shot("my-store")
    page.get_by_test_id("item-feature").click()
    page.get_by_test_id("item-unfeature").wait_for()
    assert page.locator("#store-items [data-testid=featured-badge]").is_visible()
    assert StoreItem.objects.get(store=store, product=product).featured
    shot("featured")

    page.get_by_test_id("view-store").click()
    page.wait_for_url(f"**/s/{store.pk}/")
    card = page.get_by_test_id("store-product")
    card.wait_for()
    assert page.get_by_test_id("store-name").inner_text().startswith("小雨的好物分享")
    assert card.get_by_test_id("featured-badge").is_visible()
    assert "¥128.00" in card.inner_text()
    shot("public-store")
    card.locator("a").click()
    page.wait_for_url(f"**/p/{product.pk}/?store={store.pk}")
