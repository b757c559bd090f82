"""The REST API: write, follow up, reply, list with filters, report, hide, credit; 404s."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from trustmart.accounts.models import User
from trustmart.catalog.tests.factories import image_upload
from trustmart.merchants.models import Merchant
from trustmart.orders.models import Order
from trustmart.reviews.models import Review, ReviewReport
from trustmart.stores.models import Store

FIELDS = {"rating": "positive", "description_stars": "5", "service_stars": "4",
          "logistics_stars": "5", "text": "很好喝", "anonymous": "true"}


def post_review(client: Client, order: Order, **extra: object) -> object:
    return client.post(f"/api/reviews/lines/{order.lines.get().pk}",
                       {**FIELDS, **extra})


def test_write_follow_up_reply_and_list(api_client_for: Callable[[User], Client], buyer: User,
                                        order: Order, seller: User) -> None:
    client = api_client_for(buyer)
    pending = client.get("/api/reviews/mine/pending").json()
    assert [p["line_id"] for p in pending] == [order.lines.get().pk]
    response = post_review(client, order, images=[image_upload(), image_upload()])
    assert response.status_code == 201, response.content  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["author"] == "买***家" and len(body["image_urls"]) == 2
    review_id = body["id"]
    again = post_review(client, order)
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert again.json()["code"] == "already_reviewed"  # type: ignore[attr-defined]
    follow = client.post(f"/api/reviews/{review_id}/follow-up", {"text": "一个月后依旧好"})
    assert follow.status_code == 200 and follow.json()["followup_text"] == "一个月后依旧好"
    reply = api_client_for(seller).post(f"/api/reviews/{review_id}/reply",
                                        {"text": "谢谢您！"}, content_type="application/json")
    assert reply.status_code == 200 and reply.json()["reply_text"] == "谢谢您！"
    product_id = body["product_id"]
    anonymous = Client()
    listed = anonymous.get(f"/api/reviews/products/{product_id}?filter=images").json()
    assert [r["id"] for r in listed["items"]] == [review_id]
    assert anonymous.get(f"/api/reviews/products/{product_id}?filter=negative"
                         ).json()["count"] == 0
    summary = anonymous.get(f"/api/reviews/products/{product_id}/summary").json()
    assert summary["count"] == 1 and summary["positive_rate_bps"] == 10_000


def test_other_users_get_404(api_client_for: Callable[[User], Client], buyer: User,
                             order: Order, stranger: User, other_seller: User,
                             other_merchant: Merchant) -> None:
    response = post_review(api_client_for(stranger), order)
    assert response.status_code == 404  # type: ignore[attr-defined]
    assert post_review(api_client_for(buyer), order).status_code == 201  # type: ignore[attr-defined]
    review_id = Review.objects.get().pk
    for client in (api_client_for(stranger), api_client_for(other_seller)):
        assert client.post(f"/api/reviews/{review_id}/follow-up",
                           {"text": "冒充"}).status_code == 404
        assert client.post(f"/api/reviews/{review_id}/reply", {"text": "冒充"},
                           content_type="application/json").status_code == 404
        assert client.post(f"/api/reviews/{review_id}/hide", {"reason": "x"},
                           content_type="application/json").status_code == 404
        assert client.get("/api/reviews/reports").status_code == 404
    assert Client().get("/api/reviews/999999").status_code == 404
    assert Client().get("/api/reviews/products/999999").status_code == 404
    assert Client().post(f"/api/reviews/{review_id}/reports", {"reason": "x"},
                         content_type="application/json").status_code == 401


def test_report_hide_and_dismiss(api_client_for: Callable[[User], Client], buyer: User,
                                 order: Order, stranger: User, operator: User) -> None:
    post_review(api_client_for(buyer), order)
    review_id = Review.objects.get().pk
    reported = api_client_for(stranger).post(f"/api/reviews/{review_id}/reports",
                                             {"reason": "广告"}, content_type="application/json")
    assert reported.status_code == 201
    ops = api_client_for(operator)
    listed = ops.get("/api/reviews/reports").json()
    assert [r["id"] for r in listed["items"]] == [reported.json()["id"]]
    dismissed = ops.post(f"/api/reviews/reports/{reported.json()['id']}/dismiss",
                         {"note": "正常评价"}, content_type="application/json")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    hide = ops.post(f"/api/reviews/{review_id}/hide", {"reason": "违规"},
                    content_type="application/json")
    assert hide.status_code == 204
    assert Client().get(f"/api/reviews/{review_id}").status_code == 404
    assert ReviewReport.objects.get().status == ReviewReport.Status.DISMISSED


def test_invalid_input(api_client_for: Callable[[User], Client], buyer: User,
                       order: Order) -> None:
    response = post_review(api_client_for(buyer), order, description_stars="9")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "description_stars" in response.json()["fields"]  # type: ignore[attr-defined]


def test_credit_endpoints(api_client_for: Callable[[User], Client], buyer: User,
                          order: Order, merchant: Merchant, shop: Store) -> None:
    post_review(api_client_for(buyer), order)
    client = Client()
    merchant_credit = client.get(f"/api/reviews/credit/merchant/{merchant.pk}").json()
    assert merchant_credit["good_total"] == 1 and merchant_credit["level_symbols"] == "♥"
    assert merchant_credit["avg_ship_hours"] is not None
    store_credit = client.get(f"/api/reviews/credit/store/{shop.pk}").json()
    assert store_credit["good_total"] == 1 and store_credit["counterfeits"] is None
    user_credit = client.get(f"/api/reviews/credit/user/{buyer.pk}").json()
    assert user_credit["good_total"] is None and user_credit["reviews_written"] == 1
    assert client.get("/api/reviews/credit/planet/1").status_code == 404
    assert client.get("/api/reviews/credit/merchant/999999").status_code == 404


def test_retried_create_with_an_idempotency_key(api_client_for: Callable[[User], Client],
                                                buyer: User, order: Order) -> None:
    client = api_client_for(buyer)
    url = f"/api/reviews/lines/{order.lines.get().pk}"
    first = client.post(url, FIELDS, HTTP_IDEMPOTENCY_KEY="review-1")
    again = client.post(url, FIELDS, HTTP_IDEMPOTENCY_KEY="review-1")
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == again.json()["id"] and Review.objects.count() == 1
