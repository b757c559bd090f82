"""Writes of the credit record (信用). Called by the review services and the event handlers.

Review counts are recomputed for the touched subject from an indexed query on ``Review``
(merchant/store + created_at), never on page views. Event-driven counters (completed orders,
opened cases, counterfeit judgments, shipping time) go through ``credit_fact_add``: a
``CreditFact`` row under a unique key, so a fact counts once however often it arrives.

The 6-month window: each record stores ``window_due_at``, the moment its oldest review inside
the window leaves it; the daily job ``reviews.credit_window`` recomputes only records that are
due, and any review event recomputes its subjects at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone

from trustmart.catalog.services import merchant_pages_changed

from ..levels import level_for
from ..lock_objects import credit_record_lock
from ..models import CreditFact, CreditRecord, Rating, Review, SubjectType

WINDOW = timedelta(days=183)  # six months
REVIEW_FIELD = {SubjectType.MERCHANT: "merchant_id", SubjectType.STORE: "store_id"}


def window_start(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - WINDOW


def _record(subject_type: str, subject_id: int) -> CreditRecord:
    """The subject's record, created if missing, locked for this transaction."""
    record = credit_record_lock(subject_type, subject_id)
    if record is not None:
        return record
    try:
        with transaction.atomic():
            CreditRecord.objects.create(subject_type=subject_type, subject_id=subject_id)
    except IntegrityError:
        pass  # created by a racing transaction
    record = credit_record_lock(subject_type, subject_id)
    assert record is not None  # it exists now, made by us or by the racing transaction
    return record


def _points(record: CreditRecord) -> int:
    if record.subject_type == SubjectType.USER:
        return record.completed
    return record.good_total - record.bad_total


def _save(record: CreditRecord) -> CreditRecord:
    record.points = _points(record)
    record.level = level_for(record.points)
    record.save()
    if record.subject_type == SubjectType.MERCHANT:  # its badge is on its product pages
        merchant_pages_changed(record.subject_id)
    return record


@transaction.atomic
def credit_reviews_refresh(*, subject_type: str, subject_id: int) -> CreditRecord:
    """Recount the subject's reviews (all time and the last six months) from the index."""
    record = _record(subject_type, subject_id)
    now = timezone.now()
    if subject_type == SubjectType.USER:
        record.reviews_written = Review.objects.filter(buyer_id=subject_id,
                                                       is_default=False).count()
        return _save(record)
    since = window_start(now)
    counted = Review.objects.filter(**{REVIEW_FIELD[SubjectType(subject_type)]: subject_id},
                                    counts=True, hidden_at__isnull=True)
    totals = counted.aggregate(
        good=Count("pk", filter=Q(rating=Rating.POSITIVE)),
        neutral=Count("pk", filter=Q(rating=Rating.NEUTRAL)),
        bad=Count("pk", filter=Q(rating=Rating.NEGATIVE)),
        good_6m=Count("pk", filter=Q(rating=Rating.POSITIVE, created_at__gt=since)),
        neutral_6m=Count("pk", filter=Q(rating=Rating.NEUTRAL, created_at__gt=since)),
        bad_6m=Count("pk", filter=Q(rating=Rating.NEGATIVE, created_at__gt=since)),
        oldest_6m=Min("created_at", filter=Q(created_at__gt=since)),
    )
    record.good_total, record.neutral_total = totals["good"], totals["neutral"]
    record.bad_total = totals["bad"]
    record.good_6m, record.neutral_6m = totals["good_6m"], totals["neutral_6m"]
    record.bad_6m = totals["bad_6m"]
    oldest = totals["oldest_6m"]
    record.window_due_at = oldest + WINDOW if oldest is not None else None
    return _save(record)


def credit_reviews_refresh_for(review: Review) -> None:
    """Every subject a review touches: its merchant, the store it was bought through, buyer."""
    credit_reviews_refresh(subject_type=SubjectType.MERCHANT, subject_id=review.merchant_id)
    if review.store_id is not None:
        credit_reviews_refresh(subject_type=SubjectType.STORE, subject_id=review.store_id)
    credit_reviews_refresh(subject_type=SubjectType.USER, subject_id=review.buyer_id)


# kind → (counter field, add the fact's value to this field too)
FACT_FIELDS: dict[str, tuple[str, str | None]] = {
    "completed": ("completed", None),
    "case_opened": ("cases_opened", None),
    "counterfeit": ("counterfeits", None),
    "shipped": ("shipped", "ship_seconds_total"),
}


@transaction.atomic
def credit_fact_add(*, subject_type: str, subject_id: int, kind: str, key: str,
                    value: int = 0, occurred_at: datetime | None = None) -> bool:
    """Count one fact of a subject once; False (nothing changes) if it was counted before."""
    counter, value_field = FACT_FIELDS[kind]
    try:
        with transaction.atomic():
            CreditFact.objects.create(subject_type=subject_type, subject_id=subject_id,
                                      kind=kind, key=key[:64], value=value,
                                      occurred_at=occurred_at or timezone.now())
    except IntegrityError:
        return False
    record = _record(subject_type, subject_id)
    updates = {counter: F(counter) + 1}
    if value_field:
        updates[value_field] = F(value_field) + value
    CreditRecord.objects.filter(pk=record.pk).update(**updates)
    record.refresh_from_db()
    _save(record)
    return True


def credit_window_due(limit: int = 500) -> int:
    """The daily sweep: recount records whose oldest 6-month review has left the window."""
    due = list(CreditRecord.objects.filter(window_due_at__lte=timezone.now())
               .order_by("window_due_at").values_list("subject_type", "subject_id")[:limit])
    for subject_type, subject_id in due:
        credit_reviews_refresh(subject_type=subject_type, subject_id=subject_id)
    return len(due)
