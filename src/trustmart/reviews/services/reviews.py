"""Writes of reviews: write one (buyers of received orders), follow up once, the merchant's one
reply, 默认好评 by the job, refunds that stop a review counting, reports and hiding.

Another user's review or line is ``NotFound``. Each once-only write is a guarded conditional
update, so two racing requests cannot both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.accounts.selectors import require_operator
from trustmart.catalog.services import product_page_changed
from trustmart.core.errors import Conflict, NotFound, invalid
from trustmart.core.images import square_jpeg
from trustmart.merchants.selectors import merchant_for_staff
from trustmart.orders.models import Order, OrderLine

from ..lock_objects import review_due_lock
from ..models import Rating, Review, ReviewDue, ReviewImage, ReviewReport
from .credit import credit_reviews_refresh_for

TEXT_MAX = 500
NEED_TEXT_MIN = 5  # a neutral or negative review says why
IMAGES_MAX = 9
IMAGE_SIZE = 800
REPLY_MAX = 500
REASON_MAX = 200
REVIEWABLE = (Order.Status.RECEIVED, Order.Status.COMPLETED)


def _line_not_found() -> NotFound:
    return NotFound(_("This order line does not exist."), code="line_not_found")


def _review_not_found() -> NotFound:
    return NotFound(_("This review does not exist."), code="review_not_found")


def line_is_refunded(line: OrderLine) -> bool:
    """A line whose money all went back (or whose order was refunded) does not count."""
    return (line.order.status == Order.Status.REFUNDED
            or (line.paid_fen > 0 and line.refunded_fen >= line.paid_fen))


def _clean_text(text: str, *, field: str = "text", limit: int = TEXT_MAX,
                required: int = 0) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise invalid(field, _("At most %(limit)d characters.") % {"limit": limit},
                      code="text_too_long")
    if len(text) < required:
        raise invalid(field, _("Please say in a few words what was wrong (at least %(n)d "
                               "characters).") % {"n": required}, code="text_required")
    return text


def _clean_stars(**stars: int) -> None:
    for field, value in stars.items():
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise invalid(field, _("Give 1 to 5 stars."), code="invalid_stars")


def _images(uploads: Sequence[UploadedFile] | None) -> list[bytes]:
    uploads = list(uploads or [])
    if len(uploads) > IMAGES_MAX:
        raise invalid("images", _("At most %(n)d images.") % {"n": IMAGES_MAX},
                      code="too_many_images")
    return [square_jpeg(u, field="images", size=IMAGE_SIZE,
                        max_bytes=settings.REVIEW_IMAGE_MAX_BYTES) for u in uploads]


def _save_images(review: Review, images: list[bytes], *, followup: bool = False) -> None:
    for position, data in enumerate(images):
        image = ReviewImage(review=review, position=position, followup=followup)
        image.image.save(f"{uuid.uuid4().hex}.jpg", ContentFile(data), save=False)
        image.save()


def _line_get(line_id: int) -> OrderLine | None:
    return OrderLine.objects.select_related("order").filter(pk=line_id).first()


def review_refusal(*, line: OrderLine) -> Conflict | None:
    """Why the buyer of ``line`` may not review it now, or None."""
    if line.order.status not in REVIEWABLE:
        return Conflict(_("You can review an order once you have received it."),
                        code="order_not_received")
    if line_is_refunded(line):
        return Conflict(_("This item was refunded, so it cannot be reviewed."),
                        code="line_refunded")
    if Review.objects.filter(line=line).exists():
        return Conflict(_("You have already reviewed this item."), code="already_reviewed")
    return None


def _new_review(line: OrderLine, **fields: object) -> Review:
    return Review(line=line, order=line.order, product_id=line.product_id,
                  merchant_id=line.order.merchant_id, store_id=line.store_id,
                  buyer_id=line.order.buyer_id, counts=not line_is_refunded(line),
                  created_at=timezone.now(), **fields)


@transaction.atomic
def review_create(*, buyer: User, line_id: int, rating: str, description_stars: int,
                  service_stars: int, logistics_stars: int, text: str = "",
                  anonymous: bool = False,
                  images: Sequence[UploadedFile] | None = None) -> Review:
    """The buyer reviews one line of a received or completed order, once."""
    line = _line_get(line_id)
    if line is None or not buyer.is_authenticated or line.order.buyer_id != buyer.pk:
        raise _line_not_found()
    if rating not in Rating.values:
        raise invalid("rating", _("Choose positive, neutral or negative."),
                      code="invalid_rating")
    _clean_stars(description_stars=description_stars, service_stars=service_stars,
                 logistics_stars=logistics_stars)
    text = _clean_text(text, required=0 if rating == Rating.POSITIVE else NEED_TEXT_MIN)
    refusal = review_refusal(line=line)
    if refusal is not None:
        raise refusal
    data = _images(images)
    review = _new_review(line, rating=rating, description_stars=description_stars,
                         service_stars=service_stars, logistics_stars=logistics_stars,
                         text=text, anonymous=bool(anonymous), has_images=bool(data))
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # a racing second submit
        raise Conflict(_("You have already reviewed this item."),
                       code="already_reviewed") from exc
    _save_images(review, data)
    ReviewDue.objects.filter(line=line).delete()
    credit_reviews_refresh_for(review)
    product_page_changed(review.product_id)
    return review


@transaction.atomic
def review_follow_up(*, buyer: User, review_id: int, text: str,
                     images: Sequence[UploadedFile] | None = None) -> Review:
    """追评: once, within REVIEW_FOLLOWUP_DAYS of the review."""
    review = Review.objects.filter(pk=review_id, buyer_id=buyer.pk if buyer.is_authenticated
                                   else None, hidden_at__isnull=True).first()
    if review is None:
        raise _review_not_found()
    text = _clean_text(text, required=1)
    if timezone.now() > review.created_at + timedelta(days=settings.REVIEW_FOLLOWUP_DAYS):
        raise Conflict(_("The time for a follow-up review has passed."),
                       code="followup_closed")
    data = _images(images)
    now = timezone.now()
    won = Review.objects.filter(pk=review.pk, followup_at__isnull=True).update(
        followup_text=text, followup_at=now, has_images=review.has_images or bool(data))
    if not won:
        raise Conflict(_("You have already added a follow-up review."),
                       code="followup_exists")
    _save_images(review, data, followup=True)
    product_page_changed(review.product_id)
    review.refresh_from_db()
    return review


@transaction.atomic
def review_reply(*, user: User | AnonymousUser, review_id: int, text: str) -> Review:
    """The merchant's one public reply; only its owner or staff may write it."""
    review = Review.objects.filter(pk=review_id, hidden_at__isnull=True).first()
    if review is None:
        raise _review_not_found()
    try:
        merchant_for_staff(user=user, merchant_id=review.merchant_id)
    except NotFound as exc:
        raise _review_not_found() from exc
    text = _clean_text(text, field="text", limit=REPLY_MAX, required=1)
    won = Review.objects.filter(pk=review.pk, reply_at__isnull=True).update(
        reply_text=text, reply_at=timezone.now(), reply_by=user)
    if not won:
        raise Conflict(_("This review already has a reply."), code="reply_exists")
    product_page_changed(review.product_id)
    review.refresh_from_db()
    return review


# --- 默认好评 ----------------------------------------------------------------------------------
@transaction.atomic
def review_dues_create(*, order_no: str, received_at: str | None = None) -> int:
    """On receipt: one due row per line, REVIEW_DEFAULT_DAYS later. Idempotent."""
    order = Order.objects.filter(order_no=order_no).first()
    if order is None:
        return 0
    start = order.received_at or timezone.now()
    due_at = start + timedelta(days=settings.REVIEW_DEFAULT_DAYS)
    made = 0
    for line in order.lines.all():
        if Review.objects.filter(line=line).exists():
            continue
        _due, created = ReviewDue.objects.get_or_create(
            line=line, defaults={"buyer_id": order.buyer_id, "due_at": due_at})
        made += created
    return made


@transaction.atomic
def review_default_record(*, line_id: int) -> Review | None:
    """Record 默认好评 for a due line, or drop the due row if the line cannot be reviewed."""
    due = review_due_lock(line_id)
    if due is None:
        return None
    line = _line_get(line_id)
    if line is None:
        due.delete()
        return None
    if line.order.status == Order.Status.REFUNDING:
        due.due_at = timezone.now() + timedelta(days=1)  # decide when the refund settles
        due.save(update_fields=["due_at"])
        return None
    refusal = review_refusal(line=line)
    due.delete()
    if refusal is not None:
        return None
    review = _new_review(line, rating=Rating.POSITIVE, description_stars=5, service_stars=5,
                         logistics_stars=5, is_default=True)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        return None
    credit_reviews_refresh_for(review)
    product_page_changed(review.product_id)
    return review


def reviews_default_due(limit: int = 500) -> int:
    """The job: 默认好评 for every line whose time to review has run out."""
    due = list(ReviewDue.objects.filter(due_at__lte=timezone.now()).order_by("due_at")
               .values_list("line_id", flat=True)[:limit])
    made = 0
    for line_id in due:
        made += review_default_record(line_id=line_id) is not None
    return made


# --- refunds -----------------------------------------------------------------------------------
@transaction.atomic
def reviews_refund_apply(*, order_no: str) -> int:
    """After a refund: reviews of fully refunded lines stop counting. Returns how many."""
    changed = 0
    for review in (Review.objects.select_related("line__order")
                   .filter(order__order_no=order_no, counts=True)):
        if line_is_refunded(review.line):
            Review.objects.filter(pk=review.pk).update(counts=False)
            credit_reviews_refresh_for(review)
            product_page_changed(review.product_id)
            changed += 1
    return changed


# --- abuse -------------------------------------------------------------------------------------
@transaction.atomic
def review_report(*, user: User | AnonymousUser, review_id: int, reason: str) -> ReviewReport:
    if not user.is_authenticated:
        raise _review_not_found()
    review = Review.objects.filter(pk=review_id, hidden_at__isnull=True).first()
    if review is None:
        raise _review_not_found()
    reason = _clean_text(reason, field="reason", limit=REASON_MAX, required=1)
    try:
        with transaction.atomic():
            return ReviewReport.objects.create(review=review, reporter=user, reason=reason)
    except IntegrityError as exc:
        raise Conflict(_("You have already reported this review."),
                       code="already_reported") from exc


@transaction.atomic
def review_hide(*, operator: User | AnonymousUser, review_id: int, reason: str) -> Review:
    """An operator hides a review: it no longer shows nor counts; open reports are upheld."""
    staff = require_operator(operator)
    reason = _clean_text(reason, field="reason", limit=REASON_MAX, required=1)
    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        raise _review_not_found()
    now = timezone.now()
    won = Review.objects.filter(pk=review.pk, hidden_at__isnull=True).update(
        hidden_at=now, hidden_reason=reason, hidden_by=staff)
    if not won:
        raise Conflict(_("This review is already hidden."), code="review_hidden")
    ReviewReport.objects.filter(review=review, status=ReviewReport.Status.OPEN).update(
        status=ReviewReport.Status.UPHELD, handled_at=now, handled_by=staff, note=reason)
    credit_reviews_refresh_for(review)
    product_page_changed(review.product_id)
    review.refresh_from_db()
    return review


@transaction.atomic
def report_dismiss(*, operator: User | AnonymousUser, report_id: int,
                   note: str = "") -> ReviewReport:
    staff = require_operator(operator)
    note = _clean_text(note, field="note", limit=REASON_MAX)
    report = ReviewReport.objects.filter(pk=report_id).first()
    if report is None:
        raise NotFound(_("This report does not exist."), code="report_not_found")
    won = ReviewReport.objects.filter(pk=report.pk, status=ReviewReport.Status.OPEN).update(
        status=ReviewReport.Status.DISMISSED, handled_at=timezone.now(), handled_by=staff,
        note=note)
    if not won:
        raise Conflict(_("This report has already been handled."), code="report_handled")
    report.refresh_from_db()
    return report
