"""On a phone: a buyer browses the demo catalog by category and opens a product page with
several SKUs, images, batches and a certificate, then picks a variant."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from trustmart.accounts.models import User
from trustmart.catalog import demo
from trustmart.catalog.tests.factories import make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_browse_category_and_pick_a_variant(page: Any, shot: Any,
                                            make_user: Callable[..., User],
                                            operator: User) -> None:
    tops = demo.build_categories()
    merchants = [make_merchant(make_user(), categories=[tops["food"]], name="山水茶业"),
                 make_merchant(make_user(), categories=[tops["apparel"]], name="素衣记")]
    products = demo.build_products(random.Random(3), merchants=merchants, operator=operator)

    page.goto("/c/food/")
    grid = page.get_by_test_id("product-grid")
    grid.get_by_test_id("product-card").first.wait_for()
    assert grid.get_by_test_id("product-card").count() >= 20
    shot("category-food")

    shirt = next(p for p in products if "真丝衬衫" in p.name)
    page.goto(f"/p/{shirt.pk}/")
    picker = page.get_by_test_id("sku-picker")
    picker.get_by_role("button", name="雾霾蓝").click()
    picker.get_by_role("button", name="L", exact=True).click()
    assert "雾霾蓝 · L" in picker.locator("[data-chosen-label]").inner_text()
    assert page.get_by_test_id("genuine-badge").is_visible()
    shot("apparel-product")

    tea = next(p for p in products if "明前龙井" in p.name)
    page.goto(f"/p/{tea.pk}/")
    assert page.get_by_test_id("current-batch").is_visible()
    assert page.get_by_test_id("certificates").is_visible()
    shot("tea-product")
    page.locator(".c-slides").evaluate("el => el.scrollTo({left: el.clientWidth})")
    # A locator wait, not wait_for_function: the page's CSP forbids the eval that one uses.
    expect(page.locator(".c-counter")).to_have_text(re.compile(r"^2"))
