"""Every write of the reviews app: reviews (``reviews``) and the credit record (``credit``)."""

from .credit import (
    credit_fact_add,
    credit_reviews_refresh,
    credit_reviews_refresh_for,
    credit_window_due,
)
from .reviews import (
    line_is_refunded,
    report_dismiss,
    review_create,
    review_default_record,
    review_dues_create,
    review_follow_up,
    review_hide,
    review_refusal,
    review_reply,
    review_report,
    reviews_default_due,
    reviews_refund_apply,
)

__all__ = [
    "credit_fact_add", "credit_reviews_refresh", "credit_reviews_refresh_for",
    "credit_window_due", "line_is_refunded", "report_dismiss", "review_create",
    "review_default_record", "review_dues_create", "review_follow_up", "review_hide",
    "review_refusal", "review_reply", "review_report", "reviews_default_due",
    "reviews_refund_apply",
]
