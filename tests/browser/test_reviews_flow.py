"""On a phone: a buyer of a received order writes a review with stars and a picture, finds it
under 有图 on the product's reviews, and the merchant replies to it publicly."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from trustmart.accounts.models import Role, User
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.reviews.models import Review
from trustmart.reviews.tests.factories import received_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "tea-garden-42"


def log_in(page: Any, mobile: str, next_url: str) -> None:
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("手机号").fill(mobile)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{next_url}")


def test_review_with_stars_and_picture_then_merchant_reply(page: Any, shot: Any,
                                                           tmp_path: Path) -> None:
    seller = User.objects.create_user(mobile="13900009999", password=PASSWORD, nickname="王建国")
    operator = User.objects.create_user(mobile="13900008888", password=PASSWORD, nickname="运营")
    from trustmart.accounts.services import role_grant

    role_grant(user=operator, role=Role.OPERATOR)
    role_grant(user=seller, role=Role.MERCHANT_STAFF)
    food = make_category("food", name="食品", licence=True, batches=True)
    tea = make_category("tea", name="茶叶", parent=food)
    merchant = make_merchant(seller, categories=[food])
    product = make_live_product(seller, merchant, tea, operator, name="山水 明前龙井 250g",
                                stock=20)
    buyer = User.objects.create_user(mobile="13912345678", password=PASSWORD, nickname="小雨")
    received_order(buyer, product.skus.order_by("pk").first())  # type: ignore[arg-type]
    picture = tmp_path / "tea.png"
    buffer = io.BytesIO()
    Image.new("RGB", (600, 600), (90, 140, 80)).save(buffer, format="PNG")
    picture.write_bytes(buffer.getvalue())

    log_in(page, "13912345678", "/my/reviews/")
    page.get_by_test_id("to-review").wait_for()
    shot("to-review")
    page.get_by_test_id("write-review").click()
    page.get_by_test_id("review-form").wait_for()
    page.locator("label[for=description_stars-4]").click()
    page.locator("label[for=service_stars-5]").click()
    page.locator("label[for=logistics_stars-3]").click()
    page.locator("textarea[name=text]").fill("茶香浓郁，回甘明显，包装很用心。")
    page.get_by_test_id("review-images").set_input_files(str(picture))
    shot("review-form")
    page.get_by_test_id("submit-review").click()
    page.wait_for_url(f"**/products/{product.pk}/reviews")
    review = Review.objects.get()
    assert (review.description_stars, review.service_stars, review.logistics_stars) == (4, 5, 3)
    assert review.has_images

    page.locator("[data-filter=images]").click()
    page.wait_for_url(f"**/products/{product.pk}/reviews?filter=images")
    item = page.locator(f"[data-review-id='{review.pk}']")
    item.wait_for()
    assert "茶香浓郁" in item.inner_text()
    assert item.locator(".rv-images img").count() == 1
    shot("with-pictures-filter")

    page.context.clear_cookies()
    log_in(page, "13900009999", "/merchant/reviews/")
    page.get_by_test_id("reply-form").wait_for()
    page.locator("textarea[name=text]").fill("感谢您的支持，期待再次光临！")
    page.get_by_test_id("reply-submit").click()
    page.get_by_test_id("merchant-reply").wait_for()
    shot("merchant-replied")
    review.refresh_from_db()
    assert review.reply_text == "感谢您的支持，期待再次光临！"

    page.goto(f"/p/{product.pk}/")
    block = page.get_by_test_id("product-reviews")
    block.scroll_into_view_if_needed()
    assert "感谢您的支持" in block.inner_text()
    assert page.get_by_test_id("credit-badge-merchant").is_visible()
    shot("product-page-reviews")

    page.get_by_test_id("credit-badge-merchant").click()
    page.wait_for_url(f"**/credit/merchant/{merchant.pk}")
    assert page.get_by_test_id("credit-positive-rate").inner_text() == "100.0%"
    shot("merchant-credit-page")
