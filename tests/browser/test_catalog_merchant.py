"""On a phone: a merchant lists a product with specs and a batch and submits it; an operator
approves it; a buyer opens the product page and sees price, traceability and the genuine badge.

Form fields are found by name and buttons by test id, so the test reads the same whether or not
the catalog's Chinese translations are compiled yet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Product, ProductReview
from trustmart.catalog.tests.factories import make_category, make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"
LICENCE = "SC11233010600123"


def _log_in(page: Any, mobile: str) -> None:
    page.context.clear_cookies()
    page.goto("/login/")
    page.locator("input[name=mobile]").fill(mobile)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.get_by_test_id("nickname").wait_for()


def test_merchant_lists_operator_approves_buyer_sees(page: Any, shot: Any, tmp_path: Path,
                                                     make_user: Callable[..., User]) -> None:
    food = make_category("food", name="食品", licence=True, batches=True, deposit_fen=1_000_000)
    tea = make_category("tea", name="茶叶", parent=food)
    seller = make_user("王建国", mobile="13900000004", password=PASSWORD)
    make_merchant(seller, categories=[food], name="山水茶业", deposit_ok=True)
    make_user("平台运营小周", mobile="13900000005", password=PASSWORD, roles=(Role.OPERATOR,))
    make_user("林小雨", mobile="13900000001", password=PASSWORD)
    photo = tmp_path / "tea.jpg"
    Image.new("RGB", (900, 900), (60, 140, 90)).save(photo, quality=85)

    # The merchant creates the product with two specs, adds an image and a batch, submits.
    _log_in(page, seller.mobile)
    page.goto("/merchant/products/")
    page.get_by_test_id("new-product").click()
    form = page.get_by_test_id("product-form")
    form.locator("[name=name]").fill("山水 明前龙井 特级 250g 礼盒装")
    form.locator("[name=subtitle]").fill("明前头采 · 鲜爽回甘")
    form.locator("[name=brand]").fill("山水")
    form.locator("[name=category_id]").select_option(str(tea.pk))
    form.locator("[name=specs]").fill("规格: 250g礼盒, 500g礼盒")
    form.locator("[name=price]").fill("398")
    form.locator("[name=stock]").fill("30")
    form.locator("[name=manufacturer]").fill("福建山水茶业有限公司")
    form.locator("[name=place_of_origin]").fill("浙江杭州西湖区")
    form.locator("[name=production_licence_no]").fill(LICENCE)
    form.locator("[name=commission_bps]").fill("10")
    form.locator("[name=description]").fill("明前一芽一叶，传统手工炒制。\n\n送礼有面子。")
    shot("merchant-new-product")
    page.get_by_test_id("save-product").click()
    page.get_by_test_id("image-form").wait_for()
    product = Product.objects.get(name="山水 明前龙井 特级 250g 礼盒装")
    assert product.skus.count() == 2 and product.price_fen == 39_800

    page.set_input_files("input[name=image]", str(photo))
    page.get_by_test_id("image-form").locator("button[type=submit]").click()
    page.get_by_test_id("image-list").locator("img").first.wait_for()
    page.get_by_test_id("nav-batches").click()
    batch = page.get_by_test_id("batch-form")
    made = timezone.localdate() - timedelta(days=20)
    batch.locator("[name=batch_no]").fill("LJ20260301")
    batch.locator("[name=production_date]").fill(made.isoformat())
    batch.locator("[name=shelf_life_days]").fill("540")
    batch.locator("button[type=submit]").click()
    page.get_by_test_id("batch-list").get_by_text("LJ20260301").wait_for()
    shot("merchant-batch-added")

    # Specs & stock: the bigger box costs more (htmx saves the row in place).
    page.get_by_test_id("nav-skus").click()
    row = page.get_by_test_id("sku-row").nth(1)
    row.locator("input[name$=price]").fill("698")
    row.locator("button[type=submit]").click()
    page.get_by_test_id("sku-saved").wait_for()
    shot("merchant-skus")

    page.goto(f"/merchant/products/{product.pk}/")
    page.get_by_test_id("submit-review").click()
    page.get_by_test_id("product-status").wait_for()
    product.refresh_from_db()
    assert product.status == Product.Status.PENDING
    shot("merchant-submitted")

    # The operator approves it from the review queue.
    _log_in(page, "13900000005")
    page.goto("/ops/products/")
    page.get_by_test_id("ops-list").get_by_text("山水 明前龙井").click()
    page.get_by_test_id("approve").wait_for()
    shot("operator-review")
    page.get_by_test_id("approve").click()
    page.get_by_test_id("ops-tabs").wait_for()
    product.refresh_from_db()
    assert product.status == Product.Status.LIVE
    assert ProductReview.objects.filter(product=product, decision="approve").exists()

    # A buyer opens the product page.
    _log_in(page, "13900000001")
    page.goto(f"/p/{product.pk}/")
    price = page.get_by_test_id("price")
    assert "398.00" in price.inner_text() and "698.00" in price.inner_text()
    assert page.get_by_test_id("genuine-badge").is_visible()
    assert page.get_by_test_id("guarantee").is_visible()
    trace = page.get_by_test_id("traceability")
    assert LICENCE in trace.inner_text() and "浙江杭州西湖区" in trace.inner_text()
    current = page.get_by_test_id("current-batch").inner_text()
    assert "LJ20260301" in current and made.isoformat() in current
    assert "¥39.80" in page.get_by_test_id("share-earning").inner_text()
    shot("buyer-product-page")
    page.get_by_test_id("sku-picker").get_by_role("button", name="500g礼盒").click()
    assert "¥698.00" in page.locator("[data-chosen-price]").inner_text()
    shot("buyer-picked-500g")
