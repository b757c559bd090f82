"""Reads of reviews and credit records.

What a page shows of a review is public (a masked nickname when anonymous); hidden reviews are
never listed. Credit pages show public facts only: counts and rates, never order details.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.accounts.selectors import require_operator
from trustmart.catalog.models import Product
from trustmart.catalog.selectors import product_visible_get
from trustmart.core.errors import NotFound
from trustmart.merchants.selectors import merchant_for_staff, merchant_public
from trustmart.orders.models import Order, OrderLine
from trustmart.stores.models import Store

from .levels import Level, level_info
from .models import CreditRecord, Rating, Review, ReviewImage, ReviewReport, SubjectType

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

FILTERS = ("all", "images", "positive", "neutral", "negative", "followup")


def masked_name(nickname: str) -> str:
    """匿名: first and last character kept, the rest starred (``小***明``)."""
    nickname = nickname or "?"
    if len(nickname) == 1:
        return f"{nickname}***"
    return f"{nickname[0]}***{nickname[-1]}"


def review_author(review: Review) -> str:
    return masked_name(review.buyer.nickname) if review.anonymous else review.buyer.nickname


def _shown() -> QuerySet[Review]:
    return (Review.objects.filter(hidden_at__isnull=True)
            .select_related("buyer", "line")
            .prefetch_related(Prefetch("images", queryset=ReviewImage.objects.order_by(
                "followup", "position", "pk"))))


def _filtered(qs: QuerySet[Review], name: str) -> QuerySet[Review]:
    if name == "images":
        return qs.filter(has_images=True)
    if name in Rating.values:
        return qs.filter(rating=name)
    if name == "followup":
        return qs.filter(followup_at__isnull=False)
    return qs


def product_reviews(*, product_id: int, filter: str = "all") -> QuerySet[Review]:
    """The product's shown reviews, newest first, under one of ``FILTERS``."""
    return _filtered(_shown().filter(product_id=product_id), filter).order_by("-created_at",
                                                                              "-pk")


@dataclass(frozen=True)
class ReviewSummary:
    count: int
    positive: int
    neutral: int
    negative: int
    with_images: int
    followups: int
    counted: int
    counted_positive: int

    @property
    def positive_rate_bps(self) -> int | None:
        if not self.counted:
            return None
        return self.counted_positive * 10_000 // self.counted

    @property
    def positive_rate(self) -> str:
        return percent(self.positive_rate_bps)

    def filter_counts(self) -> dict[str, int]:
        return {"all": self.count, "images": self.with_images, "positive": self.positive,
                "neutral": self.neutral, "negative": self.negative,
                "followup": self.followups}


def percent(bps: int | None) -> str:
    if bps is None:
        return "—"
    return f"{bps // 100}.{bps % 100 // 10}%"


def product_review_summary(*, product_id: int) -> ReviewSummary:
    """Counts for the product page in one query."""
    totals = Review.objects.filter(product_id=product_id, hidden_at__isnull=True).aggregate(
        count=Count("pk"),
        positive=Count("pk", filter=Q(rating=Rating.POSITIVE)),
        neutral=Count("pk", filter=Q(rating=Rating.NEUTRAL)),
        negative=Count("pk", filter=Q(rating=Rating.NEGATIVE)),
        with_images=Count("pk", filter=Q(has_images=True)),
        followups=Count("pk", filter=Q(followup_at__isnull=False)),
        counted=Count("pk", filter=Q(counts=True)),
        counted_positive=Count("pk", filter=Q(counts=True, rating=Rating.POSITIVE)),
    )
    return ReviewSummary(**totals)


def product_for_reviews(*, product_id: int) -> Product:
    """The product whose reviews are asked for: any visible product (else NotFound)."""
    return product_visible_get(product_id=product_id)


def review_public_get(*, review_id: int) -> Review:
    review = _shown().filter(pk=review_id).first()
    if review is None:
        raise NotFound(_("This review does not exist."), code="review_not_found")
    return review


# --- the buyer's side --------------------------------------------------------------------------
def lines_to_review(*, buyer: User | AnonymousUser) -> QuerySet[OrderLine]:
    """待评价: lines of the buyer's received or completed orders without a review."""
    if not buyer.is_authenticated:
        return OrderLine.objects.none()
    return (OrderLine.objects.select_related("order")
            .filter(order__buyer=buyer,
                    order__status__in=[Order.Status.RECEIVED, Order.Status.COMPLETED],
                    review__isnull=True)
            .exclude(paid_fen__gt=0, refunded_fen__gte=F("paid_fen"))
            .order_by("-order__received_at", "pk"))


def line_for_buyer(*, buyer: User | AnonymousUser, line_id: int) -> OrderLine:
    line = None
    if buyer.is_authenticated:
        line = (OrderLine.objects.select_related("order", "product")
                .filter(pk=line_id, order__buyer=buyer).first())
    if line is None:
        raise NotFound(_("This order line does not exist."), code="line_not_found")
    return line


def reviews_of_buyer(*, buyer: User | AnonymousUser) -> QuerySet[Review]:
    if not buyer.is_authenticated:
        return Review.objects.none()
    return (Review.objects.filter(buyer=buyer).select_related("line", "buyer")
            .prefetch_related("images").order_by("-created_at", "-pk"))


def review_for_buyer(*, buyer: User | AnonymousUser, review_id: int) -> Review:
    review = reviews_of_buyer(buyer=buyer).filter(pk=review_id, hidden_at__isnull=True).first()
    if review is None:
        raise NotFound(_("This review does not exist."), code="review_not_found")
    return review


# --- merchants and operators ---------------------------------------------------------------------
def reviews_for_merchant(*, user: User | AnonymousUser, merchant_id: int,
                         unreplied: bool = False) -> QuerySet[Review]:
    merchant_for_staff(user=user, merchant_id=merchant_id)
    qs = _shown().filter(merchant_id=merchant_id).order_by("-created_at", "-pk")
    if unreplied:
        qs = qs.filter(reply_at__isnull=True)
    return qs


def reports_open(*, operator: User | AnonymousUser) -> QuerySet[ReviewReport]:
    require_operator(operator)
    return (ReviewReport.objects.filter(status=ReviewReport.Status.OPEN)
            .select_related("review__buyer", "review__product", "reporter")
            .order_by("created_at", "pk"))


# --- credit ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CreditView:
    subject_type: str
    subject_id: int
    name: str
    record: CreditRecord

    @property
    def level(self) -> Level:
        return level_info(self.record.level)

    @property
    def reviews_total(self) -> int:
        r = self.record
        return r.good_total + r.neutral_total + r.bad_total

    @property
    def reviews_6m(self) -> int:
        r = self.record
        return r.good_6m + r.neutral_6m + r.bad_6m

    @property
    def positive_rate_bps(self) -> int | None:
        total = self.reviews_total
        return self.record.good_total * 10_000 // total if total else None

    @property
    def positive_rate(self) -> str:
        return percent(self.positive_rate_bps)

    @property
    def positive_rate_6m(self) -> str:
        total = self.reviews_6m
        return percent(self.record.good_6m * 10_000 // total if total else None)

    @property
    def dispute_rate_bps(self) -> int | None:
        r = self.record
        return r.cases_opened * 10_000 // r.completed if r.completed else None

    @property
    def dispute_rate(self) -> str:
        return percent(self.dispute_rate_bps)

    @property
    def avg_ship_hours(self) -> float | None:
        r = self.record
        if not r.shipped:
            return None
        return round(r.ship_seconds_total / r.shipped / 3600, 1)


def _subject_name(subject_type: str, subject_id: int) -> str:
    if subject_type == SubjectType.MERCHANT:
        return merchant_public(merchant_id=subject_id).name
    if subject_type == SubjectType.STORE:
        store = Store.objects.filter(pk=subject_id, owner__is_active=True).first()
        if store is None:
            raise NotFound(_("This store does not exist."), code="store_not_found")
        return store.name
    if subject_type == SubjectType.USER:
        user = User.objects.filter(pk=subject_id, is_active=True).first()
        if user is None:
            raise NotFound(_("This user does not exist."), code="user_not_found")
        return user.nickname
    raise NotFound()


def credit_record_of(*, subject_type: str, subject_id: int) -> CreditRecord:
    """The stored record, or an empty one (not saved) for a subject with no history yet."""
    record = CreditRecord.objects.filter(subject_type=subject_type,
                                         subject_id=subject_id).first()
    return record or CreditRecord(subject_type=subject_type, subject_id=subject_id)


def credit_view(*, subject_type: str, subject_id: int) -> CreditView:
    """A subject's public credit; NotFound for an unknown kind or subject."""
    if subject_type not in SubjectType.values:
        raise NotFound()
    name = _subject_name(subject_type, subject_id)
    return CreditView(subject_type, subject_id, name,
                      credit_record_of(subject_type=subject_type, subject_id=subject_id))


def credit_badge(*, subject_type: str, subject_id: int | None) -> CreditView | None:
    """A small badge's data, without the name lookup (None if there is no subject)."""
    if not subject_id:
        return None
    return CreditView(subject_type, subject_id, "",
                      credit_record_of(subject_type=subject_type, subject_id=subject_id))
