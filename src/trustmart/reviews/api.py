"""REST endpoints for reviews and credit. Each handler parses, calls one service or selector,
returns a schema. Another user's line or review is 404; operator routes are 404 for others."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import token_or_session
from trustmart.accounts.models import User
from trustmart.core.errors import NotFound
from trustmart.core.idempotency import idempotent

from . import selectors, services
from .models import Rating, Review, ReviewReport, SubjectType

router = Router(tags=["reviews"])
# Up to nine pictures in a multipart field called ``images`` (may be left out).
Images = File[list[UploadedFile]]


class ReviewOut(Schema):
    id: int
    product_id: int
    author: str
    anonymous: bool
    rating: str
    description_stars: int
    service_stars: int
    logistics_stars: int
    text: str
    is_default: bool
    image_urls: list[str]
    created_at: datetime
    followup_text: str
    followup_image_urls: list[str]
    followup_at: datetime | None
    reply_text: str
    reply_at: datetime | None

    @staticmethod
    def resolve_author(obj: Review) -> str:
        return selectors.review_author(obj)

    @staticmethod
    def resolve_image_urls(obj: Review) -> list[str]:
        return [i.image.url for i in obj.images.all() if not i.followup]

    @staticmethod
    def resolve_followup_image_urls(obj: Review) -> list[str]:
        return [i.image.url for i in obj.images.all() if i.followup]


class ReviewIn(Schema):
    rating: Rating
    description_stars: int
    service_stars: int
    logistics_stars: int
    text: str = ""
    anonymous: bool = False


class TextIn(Schema):
    text: str


class ReasonIn(Schema):
    reason: str


class NoteIn(Schema):
    note: str = ""


class SummaryOut(Schema):
    count: int
    positive: int
    neutral: int
    negative: int
    with_images: int
    followups: int
    positive_rate_bps: int | None


class PendingLineOut(Schema):
    line_id: int
    order_no: str
    product_id: int
    product_name: str
    image_url: str


class ReportOut(Schema):
    id: int
    review_id: int
    reason: str
    status: str
    created_at: datetime


class CreditOut(Schema):
    subject_type: str
    subject_id: int
    name: str
    level: int
    level_kind: str
    level_symbols: str
    points: int
    good_6m: int | None
    neutral_6m: int | None
    bad_6m: int | None
    good_total: int | None
    neutral_total: int | None
    bad_total: int | None
    positive_rate_bps: int | None
    completed: int
    dispute_rate_bps: int | None
    counterfeits: int | None
    avg_ship_hours: float | None
    reviews_written: int | None


def _me(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _review(review_id: int) -> Review:
    return selectors.review_public_get(review_id=review_id)


def _report(report: ReviewReport) -> ReportOut:
    return ReportOut(id=report.pk, review_id=report.review_id, reason=report.reason,
                     status=report.status, created_at=report.created_at)


@router.post("/lines/{int:line_id}", response={201: ReviewOut}, auth=token_or_session,
             summary="Review a line of my received order (multipart: fields and up to 9 images)")
@decorate_view(idempotent)
def review_create(request: HttpRequest, line_id: int, payload: Form[ReviewIn],
                  images: Images = None,  # type: ignore[assignment]
                  ) -> Status[Review]:
    review = services.review_create(buyer=_me(request), line_id=line_id, **payload.dict(),
                                    images=images or [])
    return Status(201, _review(review.pk))


@router.get("/mine/pending", response=list[PendingLineOut], auth=token_or_session,
            summary="My lines waiting for a review (待评价)")
def pending(request: HttpRequest) -> list[PendingLineOut]:
    return [PendingLineOut(line_id=line.pk, order_no=line.order.order_no,
                           product_id=line.product_id, product_name=line.product_name,
                           image_url=line.image_url)
            for line in selectors.lines_to_review(buyer=_me(request))[:100]]


@router.post("/{int:review_id}/follow-up", response=ReviewOut, auth=token_or_session,
             summary="追评: my one follow-up review (multipart: text and up to 9 images)")
def review_follow_up(request: HttpRequest, review_id: int, text: Form[str],
                     images: Images = None,  # type: ignore[assignment]
                     ) -> Review:
    services.review_follow_up(buyer=_me(request), review_id=review_id, text=text,
                              images=images or [])
    return _review(review_id)


@router.post("/{int:review_id}/reply", response=ReviewOut, auth=token_or_session,
             summary="The merchant's one public reply (merchant staff only)")
def review_reply(request: HttpRequest, review_id: int, payload: TextIn) -> Review:
    services.review_reply(user=_me(request), review_id=review_id, text=payload.text)
    return _review(review_id)


@router.post("/{int:review_id}/reports", response={201: ReportOut}, auth=token_or_session,
             summary="Report an abusive review")
def review_report(request: HttpRequest, review_id: int,
                  payload: ReasonIn) -> Status[ReportOut]:
    report = services.review_report(user=_me(request), review_id=review_id,
                                    reason=payload.reason)
    return Status(201, _report(report))


@router.get("/{int:review_id}", response=ReviewOut, auth=None, summary="One shown review")
def review_detail(request: HttpRequest, review_id: int) -> Review:
    return _review(review_id)


@router.get("/products/{int:product_id}", response=list[ReviewOut], auth=None,
            summary="A product's reviews: filter all|images|positive|neutral|negative|followup")
@paginate
def product_reviews(request: HttpRequest, product_id: int,
                    filter: str = "all") -> QuerySet[Review]:
    selectors.product_for_reviews(product_id=product_id)
    return selectors.product_reviews(product_id=product_id, filter=filter)


@router.get("/products/{int:product_id}/summary", response=SummaryOut, auth=None,
            summary="A product's review counts and positive rate")
def product_summary(request: HttpRequest, product_id: int) -> SummaryOut:
    selectors.product_for_reviews(product_id=product_id)
    summary = selectors.product_review_summary(product_id=product_id)
    return SummaryOut(count=summary.count, positive=summary.positive, neutral=summary.neutral,
                      negative=summary.negative, with_images=summary.with_images,
                      followups=summary.followups,
                      positive_rate_bps=summary.positive_rate_bps)


# --- operators -----------------------------------------------------------------------------------
@router.get("/reports", response=list[ReportOut], auth=token_or_session,
            summary="Open reports (operators)")
@paginate
def reports(request: HttpRequest) -> list[ReportOut]:
    return [_report(r) for r in selectors.reports_open(operator=_me(request))]


@router.post("/{int:review_id}/hide", response={204: None}, auth=token_or_session,
             summary="Hide a review with a reason (operators)")
def review_hide(request: HttpRequest, review_id: int, payload: ReasonIn) -> Status[None]:
    services.review_hide(operator=_me(request), review_id=review_id, reason=payload.reason)
    return Status(204, None)


@router.post("/reports/{int:report_id}/dismiss", response=ReportOut, auth=token_or_session,
             summary="Dismiss a report (operators)")
def report_dismiss(request: HttpRequest, report_id: int, payload: NoteIn) -> ReportOut:
    return _report(services.report_dismiss(operator=_me(request), report_id=report_id,
                                           note=payload.note))


# --- credit --------------------------------------------------------------------------------------
@router.get("/credit/{kind}/{int:subject_id}", response=CreditOut, auth=None,
            summary="Public credit record of a merchant, store or user (buyers: counts only)")
def credit(request: HttpRequest, kind: str, subject_id: int) -> CreditOut:
    if kind not in SubjectType.values:
        raise NotFound()
    view = selectors.credit_view(subject_type=kind, subject_id=subject_id)
    r = view.record
    seller = kind != SubjectType.USER
    return CreditOut(
        subject_type=kind, subject_id=subject_id, name=view.name, level=view.level.number,
        level_kind=view.level.kind, level_symbols=view.level.symbols, points=r.points,
        good_6m=r.good_6m if seller else None, neutral_6m=r.neutral_6m if seller else None,
        bad_6m=r.bad_6m if seller else None, good_total=r.good_total if seller else None,
        neutral_total=r.neutral_total if seller else None,
        bad_total=r.bad_total if seller else None,
        positive_rate_bps=view.positive_rate_bps if seller else None,
        completed=r.completed, dispute_rate_bps=view.dispute_rate_bps,
        counterfeits=r.counterfeits if kind == SubjectType.MERCHANT else None,
        avg_ship_hours=view.avg_ship_hours if kind == SubjectType.MERCHANT else None,
        reviews_written=r.reviews_written if kind == SubjectType.USER else None)
