"""H5 pages: product reviews with filters, write, follow-up, merchant reply, reports, credit."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.tests.factories import image_upload
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order
from trustmart.reviews import services
from trustmart.reviews.models import Rating, Review, ReviewReport
from trustmart.stores.models import Store


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_review(buyer: User, order: Order, **extra: object) -> Review:
    fields: dict[str, object] = {"rating": Rating.POSITIVE, "description_stars": 5,
                                 "service_stars": 5, "logistics_stars": 4,
                                 "text": "茶汤清亮，回甘明显"}
    fields.update(extra)
    return services.review_create(buyer=buyer, line_id=order.lines.get().pk,
                                  **fields)  # type: ignore[arg-type]


def test_write_page_posts_a_review(buyer: User, order: Order) -> None:
    client = logged_in(buyer)
    mine = client.get("/my/reviews/")
    assert mine.status_code == 200 and b'data-testid="write-review"' in mine.content
    line = order.lines.get()
    page = client.get(f"/my/reviews/write/{line.pk}/")
    assert page.status_code == 200 and b'data-testid="review-form"' in page.content
    response = client.post(f"/my/reviews/write/{line.pk}/", {
        "rating": "positive", "description_stars": "5", "service_stars": "4",
        "logistics_stars": "3", "text": "很好", "anonymous": "on",
        "images": [image_upload()]})
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.logistics_stars, review.anonymous, review.has_images) == (3, True, True)
    again = client.get(f"/my/reviews/write/{line.pk}/")
    assert b'data-testid="refusal"' in again.content


def test_write_page_shows_errors(buyer: User, order: Order) -> None:
    line = order.lines.get()
    response = logged_in(buyer).post(f"/my/reviews/write/{line.pk}/", {
        "rating": "negative", "description_stars": "1", "service_stars": "1",
        "logistics_stars": "1", "text": "差"})
    assert response.status_code == 200 and b"field-error" in response.content
    assert not Review.objects.exists()


def test_other_users_get_404(buyer: User, order: Order, stranger: User,
                             other_seller: User, other_merchant: Merchant) -> None:
    line = order.lines.get()
    assert logged_in(stranger).get(f"/my/reviews/write/{line.pk}/").status_code == 404
    review = make_review(buyer, order)
    assert logged_in(stranger).get(f"/my/reviews/{review.pk}/follow-up/").status_code == 404
    assert logged_in(other_seller).post(f"/merchant/reviews/{review.pk}/reply/",
                                        {"text": "冒充"}).status_code == 404
    assert logged_in(stranger).get("/merchant/reviews/").status_code == 404
    assert logged_in(stranger).get("/ops/reviews/reports/").status_code == 404
    assert Client().get("/products/999999/reviews").status_code == 404
    assert Client().get("/my/reviews/").status_code == 302  # to log in


def test_product_page_and_filters(buyer: User, order: Order, make_user: Callable[..., User],
                                  seller: User) -> None:
    review = make_review(buyer, order, images=[image_upload()], anonymous=True)
    services.review_reply(user=seller, review_id=review.pk, text="感谢好评！")
    product_id = review.product_id
    product_page = Client().get(f"/p/{product_id}/")
    assert b'data-testid="product-reviews"' in product_page.content
    assert "买***家".encode() in product_page.content
    assert b'data-testid="credit-badge-merchant"' in product_page.content
    full = Client().get(f"/products/{product_id}/reviews")
    assert full.status_code == 200 and b'data-testid="review-summary"' in full.content
    assert "感谢好评！".encode() in full.content
    partial = Client().get(f"/products/{product_id}/reviews?filter=images", HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b'data-review-id' in partial.content
    negative = Client().get(f"/products/{product_id}/reviews?filter=negative",
                            HTTP_HX_REQUEST="true")
    assert b'data-testid="no-reviews"' in negative.content


def test_cached_product_page_shows_review_changes_at_once(buyer: User, order: Order,
                                                         seller: User, operator: User) -> None:
    """The product page is cached; reviews, replies, follow-ups and hiding replace it."""
    product_id = order.lines.get().product_id

    def page() -> str:
        return Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/p/{product_id}/").content.decode()

    assert "No reviews yet." in page() and "No reviews yet." in page()  # cached
    review = make_review(buyer, order)
    shown = page()
    assert "茶汤清亮" in shown and 'data-testid="positive-rate"' in shown
    services.review_reply(user=seller, review_id=review.pk, text="感谢好评！")
    assert "感谢好评！" in page()
    services.review_follow_up(buyer=buyer, review_id=review.pk, text="喝完一罐，依旧好喝")
    assert "依旧好喝" in page()
    services.review_hide(operator=operator, review_id=review.pk, reason="广告")
    assert "茶汤清亮" not in page() and "No reviews yet." in page()


def test_follow_up_page(buyer: User, order: Order) -> None:
    review = make_review(buyer, order)
    client = logged_in(buyer)
    assert client.get(f"/my/reviews/{review.pk}/follow-up/").status_code == 200
    response = client.post(f"/my/reviews/{review.pk}/follow-up/", {"text": "喝完了，还会回购"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.followup_text == "喝完了，还会回购"


def test_merchant_replies_with_htmx(buyer: User, order: Order, seller: User) -> None:
    review = make_review(buyer, order)
    client = logged_in(seller)
    page = client.get("/merchant/reviews/")
    assert page.status_code == 200 and b'data-testid="reply-form"' in page.content
    response = client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "谢谢支持"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b'data-testid="merchant-reply"' in response.content
    second = client.post(f"/merchant/reviews/{review.pk}/reply/", {"text": "再谢"},
                         HTTP_HX_REQUEST="true")
    assert second.status_code == 409


def test_report_and_operator_hides(buyer: User, order: Order, stranger: User,
                                   operator: User) -> None:
    review = make_review(buyer, order)
    reporter = logged_in(stranger)
    assert reporter.get(f"/reviews/{review.pk}/report/").status_code == 200
    assert reporter.post(f"/reviews/{review.pk}/report/", {"reason": "广告"}).status_code == 302
    report = ReviewReport.objects.get()
    ops = logged_in(operator)
    page = ops.get("/ops/reviews/reports/")
    assert page.status_code == 200 and f'data-testid="report-{report.pk}"'.encode() in page.content
    assert logged_in(stranger).post(f"/ops/reviews/reports/{report.pk}/hide/",
                                    {"reason": "x"}).status_code == 404
    assert ops.post(f"/ops/reviews/reports/{report.pk}/hide/",
                    {"reason": "广告内容"}).status_code == 302
    review.refresh_from_db()
    assert review.hidden_at is not None
    assert b"data-review-id" not in Client().get(f"/products/{review.product_id}/reviews").content


def test_operator_dismisses(buyer: User, order: Order, stranger: User, operator: User) -> None:
    review = make_review(buyer, order)
    report = services.review_report(user=stranger, review_id=review.pk, reason="不实")
    assert logged_in(operator).post(f"/ops/reviews/reports/{report.pk}/dismiss/",
                                    {"reason": "正常"}).status_code == 302
    report.refresh_from_db()
    assert report.status == ReviewReport.Status.DISMISSED


def test_credit_pages(buyer: User, order: Order, merchant: Merchant, shop: Store) -> None:
    make_review(buyer, order)
    client = Client()
    page = client.get(f"/credit/merchant/{merchant.pk}")
    assert page.status_code == 200 and b'data-testid="credit-counts"' in page.content
    assert b"100.0%" in page.content and "♥".encode() in page.content
    assert client.get(f"/credit/store/{shop.pk}").status_code == 200
    user_page = client.get(f"/credit/user/{buyer.pk}")
    assert user_page.status_code == 200 and b'data-testid="credit-counts"' not in user_page.content
    assert order.order_no.encode() not in user_page.content
    assert client.get("/credit/planet/1").status_code == 404
    assert client.get("/credit/merchant/999999").status_code == 404
    rules = client.get("/credit/rules")
    assert rules.status_code == 200 and b'data-testid="level-table"' in rules.content
    store_page = client.get(f"/s/{shop.pk}/")
    assert b'data-testid="credit-badge-store"' in store_page.content
    profile = client.get(f"/u/{buyer.pk}/")
    assert b'data-testid="credit-badge-user"' in profile.content


def test_bad_picture_is_shown_on_the_form(buyer: User, order: Order) -> None:
    from trustmart.catalog.tests.factories import pdf_upload

    line = order.lines.get()
    response = logged_in(buyer).post(f"/my/reviews/write/{line.pk}/", {
        "rating": "positive", "description_stars": "5", "service_stars": "5",
        "logistics_stars": "5", "images": [pdf_upload()]})
    assert response.status_code == 200 and b"form-error" in response.content
    assert not Review.objects.exists()


def test_buyer_sees_why_a_review_was_hidden(buyer: User, order: Order,
                                            operator: User) -> None:
    review = make_review(buyer, order)
    services.review_hide(operator=operator, review_id=review.pk, reason="含联系方式")
    page = logged_in(buyer).get("/my/reviews/")
    assert b'data-testid="hidden-note"' in page.content and "含联系方式".encode() in page.content
