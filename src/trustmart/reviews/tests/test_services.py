"""Reviews: who may write one, follow-ups, the merchant's reply, 默认好评, refunds, abuse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.catalog.tests.factories import image_upload, pdf_upload
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.core.events import publish
from trustmart.core.jobs import run_job
from trustmart.merchants.models import Merchant, MerchantStaff
from trustmart.orders.models import Order, OrderLine
from trustmart.reviews import selectors, services
from trustmart.reviews.models import (
    CreditRecord,
    Rating,
    Review,
    ReviewDue,
    ReviewReport,
    SubjectType,
)

from .factories import deliver_all, paid_order, received_order

STARS = {"description_stars": 5, "service_stars": 4, "logistics_stars": 5}


def line_of(order: Order) -> OrderLine:
    return order.lines.get()


def write(buyer: User, order: Order, rating: str = Rating.POSITIVE, **extra: object) -> Review:
    fields: dict[str, object] = {**STARS, "text": "茶香浓郁，包装完好，回购！"}
    fields.update(extra)
    return services.review_create(buyer=buyer, line_id=line_of(order).pk, rating=rating,
                                  **fields)  # type: ignore[arg-type]


def record(subject_type: str, subject_id: int) -> CreditRecord:
    return CreditRecord.objects.get(subject_type=subject_type, subject_id=subject_id)


def test_buyer_reviews_a_received_line(buyer: User, order: Order, merchant: Merchant) -> None:
    review = write(buyer, order, images=[image_upload(), image_upload("JPEG", "b.jpg")],
                   anonymous=True)
    assert review.rating == Rating.POSITIVE and review.counts and not review.is_default
    assert review.has_images and review.images.count() == 2
    assert review.store_id == line_of(order).store_id and review.merchant_id == merchant.pk
    assert selectors.review_author(review) == "买***家"
    assert not ReviewDue.objects.filter(line=line_of(order)).exists()
    merchant_record = record(SubjectType.MERCHANT, merchant.pk)
    assert (merchant_record.good_total, merchant_record.good_6m, merchant_record.points,
            merchant_record.level) == (1, 1, 1, 1)
    assert record(SubjectType.STORE, review.store_id).good_total == 1  # type: ignore[arg-type]
    assert record(SubjectType.USER, buyer.pk).reviews_written == 1


def test_not_the_buyer_is_not_found(stranger: User, order: Order) -> None:
    with pytest.raises(NotFound):
        write(stranger, order)
    assert not Review.objects.exists()


def test_not_received_is_refused(buyer: User, sku: Sku) -> None:
    order = paid_order(buyer, sku)
    with pytest.raises(Conflict) as exc:
        write(buyer, order)
    assert exc.value.code == "order_not_received"


def test_second_review_is_refused(buyer: User, order: Order) -> None:
    write(buyer, order)
    with pytest.raises(Conflict) as exc:
        write(buyer, order)
    assert exc.value.code == "already_reviewed"
    assert Review.objects.count() == 1


def test_refunded_line_is_refused(buyer: User, order: Order) -> None:
    line = line_of(order)
    OrderLine.objects.filter(pk=line.pk).update(refunded_fen=line.paid_fen)
    with pytest.raises(Conflict) as exc:
        write(buyer, order)
    assert exc.value.code == "line_refunded"


@pytest.mark.parametrize("fields, field", [
    ({"rating": "great"}, "rating"),
    ({"description_stars": 0}, "description_stars"),
    ({"logistics_stars": 6}, "logistics_stars"),
    ({"text": "x" * 501}, "text"),
    ({"rating": Rating.NEGATIVE, "text": "差"}, "text"),
])
def test_invalid_input(buyer: User, order: Order, fields: dict[str, object],
                       field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        write(buyer, order, **fields)  # type: ignore[arg-type]
    assert field in exc.value.fields
    assert not Review.objects.exists()


def test_images_are_validated(buyer: User, order: Order) -> None:
    with pytest.raises(InvalidInput) as exc:
        write(buyer, order, images=[pdf_upload()])
    assert exc.value.code == "invalid_image"
    with pytest.raises(InvalidInput) as exc:
        write(buyer, order, images=[image_upload() for _ in range(10)])
    assert exc.value.code == "too_many_images"
    assert not Review.objects.exists()


def test_follow_up_once_within_the_window(buyer: User, order: Order, stranger: User) -> None:
    review = write(buyer, order)
    with pytest.raises(NotFound):
        services.review_follow_up(buyer=stranger, review_id=review.pk, text="用了一个月")
    review = services.review_follow_up(buyer=buyer, review_id=review.pk, text="用了一个月，依旧好",
                                       images=[image_upload()])
    assert review.followup_at is not None and review.has_images
    with pytest.raises(Conflict) as exc:
        services.review_follow_up(buyer=buyer, review_id=review.pk, text="再来一次")
    assert exc.value.code == "followup_exists"


def test_follow_up_window_closes(buyer: User, order: Order) -> None:
    review = write(buyer, order)
    late = review.created_at + timedelta(days=settings.REVIEW_FOLLOWUP_DAYS, minutes=1)
    with time_machine.travel(late, tick=False), pytest.raises(Conflict) as exc:
        services.review_follow_up(buyer=buyer, review_id=review.pk, text="晚了")
    assert exc.value.code == "followup_closed"
    just_in = review.created_at + timedelta(days=settings.REVIEW_FOLLOWUP_DAYS, minutes=-1)
    with time_machine.travel(just_in, tick=False):
        assert services.review_follow_up(buyer=buyer, review_id=review.pk, text="刚好").followup_at


def test_merchant_replies_once(buyer: User, order: Order, seller: User, stranger: User,
                               other_seller: User, other_merchant: Merchant,
                               make_user: Callable[..., User], merchant: Merchant) -> None:
    review = write(buyer, order)
    for outsider in (stranger, other_seller, buyer):
        with pytest.raises(NotFound):
            services.review_reply(user=outsider, review_id=review.pk, text="谢谢")
    staff = make_user("客服")
    MerchantStaff.objects.create(merchant=merchant, user=staff, role=MerchantStaff.Role.STAFF)
    review = services.review_reply(user=staff, review_id=review.pk, text="感谢支持！")
    assert review.reply_text == "感谢支持！" and review.reply_by == staff
    with pytest.raises(Conflict) as exc:
        services.review_reply(user=seller, review_id=review.pk, text="再谢")
    assert exc.value.code == "reply_exists"


def test_default_positive_by_the_job(buyer: User, order: Order, merchant: Merchant) -> None:
    due = ReviewDue.objects.get(line=line_of(order))
    assert order.received_at is not None
    assert due.due_at == order.received_at + timedelta(days=settings.REVIEW_DEFAULT_DAYS)
    with time_machine.travel(due.due_at - timedelta(minutes=1), tick=False):
        assert run_job("reviews.default_positive") == 0
    with time_machine.travel(due.due_at + timedelta(minutes=1), tick=False):
        assert run_job("reviews.default_positive") == 1
        assert run_job("reviews.default_positive") == 0
    review = Review.objects.get(line=line_of(order))
    assert review.is_default and review.rating == Rating.POSITIVE and review.counts
    assert record(SubjectType.MERCHANT, merchant.pk).good_total == 1
    assert record(SubjectType.USER, buyer.pk).reviews_written == 0
    # the buyer may still follow up on a default review
    services.review_follow_up(buyer=buyer, review_id=review.pk, text="其实还不错")


def test_no_default_after_the_buyer_reviewed(buyer: User, order: Order) -> None:
    write(buyer, order, rating=Rating.NEUTRAL, text="一般般吧，味道淡")
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert run_job("reviews.default_positive") == 0
    assert Review.objects.get().rating == Rating.NEUTRAL


def test_no_default_for_a_refunded_order(buyer: User, order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(status=Order.Status.REFUNDED)
    with time_machine.travel(timezone.now() + timedelta(days=30), tick=False):
        assert run_job("reviews.default_positive") == 0
    assert not Review.objects.exists() and not ReviewDue.objects.exists()


def test_refund_event_stops_counting(buyer: User, order: Order, merchant: Merchant) -> None:
    write(buyer, order)
    assert record(SubjectType.MERCHANT, merchant.pk).good_total == 1
    line = line_of(order)
    OrderLine.objects.filter(pk=line.pk).update(refunded_fen=line.paid_fen)
    publish("order.refunded", {"order_no": order.order_no, "checkout_no": "", "full": True,
                               "reference": "test-refund",
                               "amount_fen": line.paid_fen, "reason": "test",
                               "lines": [{"line_id": line.pk, "refunded_fen": line.paid_fen,
                                          "total_refunded_fen": line.paid_fen,
                                          "paid_fen": line.paid_fen, "commission_fen": 0}]})
    deliver_all()
    review = Review.objects.get()
    assert not review.counts
    assert record(SubjectType.MERCHANT, merchant.pk).good_total == 0
    assert selectors.product_review_summary(product_id=review.product_id).count == 1


def test_partial_refund_still_counts(buyer: User, order: Order) -> None:
    write(buyer, order)
    line = line_of(order)
    OrderLine.objects.filter(pk=line.pk).update(refunded_fen=line.paid_fen // 2)
    assert services.reviews_refund_apply(order_no=order.order_no) == 0
    assert Review.objects.get().counts


def test_report_and_hide(buyer: User, order: Order, stranger: User, operator: User,
                         merchant: Merchant) -> None:
    review = write(buyer, order)
    report = services.review_report(user=stranger, review_id=review.pk, reason="广告")
    with pytest.raises(Conflict):
        services.review_report(user=stranger, review_id=review.pk, reason="再举报")
    with pytest.raises(NotFound):
        services.review_hide(operator=stranger, review_id=review.pk, reason="no")
    assert list(selectors.reports_open(operator=operator)) == [report]
    services.review_hide(operator=operator, review_id=review.pk, reason="含广告")
    report.refresh_from_db()
    assert report.status == ReviewReport.Status.UPHELD
    assert record(SubjectType.MERCHANT, merchant.pk).good_total == 0
    assert not selectors.product_reviews(product_id=review.product_id).exists()
    with pytest.raises(NotFound):
        services.review_reply(user=merchant.owner, review_id=review.pk, text="hi")
    with pytest.raises(Conflict):
        services.review_hide(operator=operator, review_id=review.pk, reason="again")


def test_dismiss_a_report(buyer: User, order: Order, stranger: User, operator: User) -> None:
    review = write(buyer, order)
    report = services.review_report(user=stranger, review_id=review.pk, reason="不实")
    with pytest.raises(NotFound):
        services.report_dismiss(operator=stranger, report_id=report.pk)
    services.report_dismiss(operator=operator, report_id=report.pk, note="属实评价")
    report.refresh_from_db()
    assert report.status == ReviewReport.Status.DISMISSED
    with pytest.raises(Conflict):
        services.report_dismiss(operator=operator, report_id=report.pk)
    assert selectors.product_reviews(product_id=review.product_id).count() == 1


def test_filters_and_summary(buyer: User, sku: Sku, make_user: Callable[..., User]) -> None:
    other = make_user("阿强")
    first = received_order(buyer, sku)
    second = received_order(other, sku)
    write(buyer, first, images=[image_upload()])
    negative = write(other, second, rating=Rating.NEGATIVE, text="收到时包装破损了")
    services.review_follow_up(buyer=other, review_id=negative.pk, text="客服处理得很快")
    pid = sku.product_id
    assert [r.rating for r in selectors.product_reviews(product_id=pid, filter="images")] == [
        Rating.POSITIVE]
    assert list(selectors.product_reviews(product_id=pid, filter="negative")) == [negative]
    assert list(selectors.product_reviews(product_id=pid, filter="followup")) == [negative]
    assert selectors.product_reviews(product_id=pid, filter="neutral").count() == 0
    summary = selectors.product_review_summary(product_id=pid)
    assert (summary.count, summary.positive, summary.negative) == (2, 1, 1)
    assert summary.positive_rate == "50.0%"


def test_lines_to_review(buyer: User, order: Order, stranger: User) -> None:
    assert list(selectors.lines_to_review(buyer=buyer)) == [line_of(order)]
    assert not selectors.lines_to_review(buyer=stranger).exists()
    write(buyer, order)
    assert not selectors.lines_to_review(buyer=buyer).exists()


def test_real_refunds_through_orders(buyer: User, sku: Sku, merchant: Merchant,
                                     make_user: Callable[..., User]) -> None:
    """A full refund of a received order (orders.order_refund) stops the review counting; a
    partial one of another order does not."""
    from trustmart.orders.services import order_refund

    full, partial = received_order(buyer, sku), received_order(make_user("阿强"), sku)
    write(buyer, full)
    write(partial.buyer, partial)
    assert record(SubjectType.MERCHANT, merchant.pk).good_total == 2
    line = line_of(full)
    order_refund(order_no=full.order_no, amount_fen=full.total_fen,
                 lines={line.pk: line.paid_fen}, reason="质量问题", reference="refund-full")
    other = line_of(partial)
    order_refund(order_no=partial.order_no, amount_fen=other.paid_fen // 2,
                 lines={other.pk: other.paid_fen // 2}, reason="少发", reference="refund-half")
    deliver_all()
    counts = dict(Review.objects.values_list("order_id", "counts"))
    assert counts == {full.pk: False, partial.pk: True}
    assert record(SubjectType.MERCHANT, merchant.pk).good_total == 1
