"""Row locks of reviews: a line's due row, a subject's credit record (one row each)."""

from __future__ import annotations

from .models import CreditRecord, ReviewDue


def review_due_lock(line_id: int) -> ReviewDue | None:
    return ReviewDue.objects.select_for_update().filter(line_id=line_id).first()


def credit_record_lock(subject_type: str, subject_id: int) -> CreditRecord | None:
    return (CreditRecord.objects.select_for_update()
            .filter(subject_type=subject_type, subject_id=subject_id).first())
