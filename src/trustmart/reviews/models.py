"""Verified reviews (评价) and the public credit record (信用).

A review belongs to one order line (a database constraint makes it once per line). Its
follow-up (追评) and the merchant's reply live on the same row and are each written once by a
guarded ``UPDATE ... WHERE <field> IS NULL``. ``counts`` says whether it counts toward credit
(a fully refunded line does not); a hidden review (abuse) neither shows nor counts.

The credit record is one row per subject (merchant, store, buyer) of counters kept up to date
by events; ``CreditFact`` rows make each counted fact idempotent by a unique key.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def review_image_upload_to(instance: ReviewImage, filename: str) -> str:
    return f"reviews/{instance.review_id}/{uuid.uuid4().hex}.jpg"


class Rating(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Review(models.Model):
    line = models.OneToOneField("orders.OrderLine", on_delete=models.PROTECT,
                                related_name="review")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT,
                                related_name="buyer_reviews")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT,
                                 related_name="buyer_reviews")
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="buyer_reviews")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="buyer_reviews")
    rating = models.CharField(_("overall rating"), max_length=10, choices=Rating.choices)
    description_stars = models.PositiveSmallIntegerField(_("as described"))
    service_stars = models.PositiveSmallIntegerField(_("service"))
    logistics_stars = models.PositiveSmallIntegerField(_("logistics"))
    text = models.TextField(_("review"), blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    # 默认好评: recorded by the system when the buyer did not review in time.
    is_default = models.BooleanField(default=False)
    has_images = models.BooleanField(default=False)
    # False for a fully refunded line: shown, but not counted toward credit.
    counts = models.BooleanField(default=True)
    created_at = models.DateTimeField(db_index=True)
    followup_text = models.TextField(blank=True)
    followup_at = models.DateTimeField(null=True, blank=True)
    reply_text = models.TextField(blank=True)
    reply_at = models.DateTimeField(null=True, blank=True)
    reply_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=200, blank=True)
    hidden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["product", "-created_at"], name="review_product_idx"),
            models.Index(fields=["merchant", "created_at"], name="review_merchant_idx"),
            models.Index(fields=["store", "created_at"], name="review_store_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(description_stars__gte=1, description_stars__lte=5)
                & Q(service_stars__gte=1, service_stars__lte=5)
                & Q(logistics_stars__gte=1, logistics_stars__lte=5),
                name="review_stars_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.rating}"


class ReviewImage(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=review_image_upload_to)
    position = models.PositiveSmallIntegerField(default=0)
    followup = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("review image")
        verbose_name_plural = _("review images")
        ordering = ["followup", "position", "pk"]

    def __str__(self) -> str:
        return str(self.image.name)


class ReviewDue(models.Model):
    """A line that may still be reviewed; at ``due_at`` the job records 默认好评."""

    line = models.OneToOneField("orders.OrderLine", on_delete=models.CASCADE,
                                related_name="+")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+")
    due_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("review due")
        verbose_name_plural = _("reviews due")

    def __str__(self) -> str:
        return f"{self.line_id} @ {self.due_at}"


class ReviewReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld (review hidden)")
        DISMISSED = "dismissed", _("Dismissed")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("review report")
        verbose_name_plural = _("review reports")
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "reporter"],
                                               name="uniq_review_report")]

    def __str__(self) -> str:
        return f"{self.review_id} by {self.reporter_id}"


class SubjectType(models.TextChoices):
    MERCHANT = "merchant", _("Merchant")
    STORE = "store", _("Store")
    USER = "user", _("Buyer")


class CreditRecord(models.Model):
    subject_type = models.CharField(max_length=10, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    good_total = models.PositiveIntegerField(default=0)
    neutral_total = models.PositiveIntegerField(default=0)
    bad_total = models.PositiveIntegerField(default=0)
    good_6m = models.PositiveIntegerField(default=0)
    neutral_6m = models.PositiveIntegerField(default=0)
    bad_6m = models.PositiveIntegerField(default=0)
    # When the oldest review in the 6-month window leaves it: the daily sweep's due row.
    window_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    completed = models.PositiveIntegerField(default=0)
    cases_opened = models.PositiveIntegerField(default=0)
    counterfeits = models.PositiveIntegerField(default=0)
    shipped = models.PositiveIntegerField(default=0)
    ship_seconds_total = models.BigIntegerField(default=0)
    reviews_written = models.PositiveIntegerField(default=0)
    points = models.IntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        constraints = [models.UniqueConstraint(fields=["subject_type", "subject_id"],
                                               name="uniq_credit_subject")]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} L{self.level}"


class CreditFact(models.Model):
    """One counted fact (a completed order, an opened case, a shipment...) of a subject.

    The unique key makes counting idempotent even if the same fact arrives twice."""

    subject_type = models.CharField(max_length=10, choices=SubjectType.choices)
    subject_id = models.BigIntegerField()
    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)
    occurred_at = models.DateTimeField()

    class Meta:
        verbose_name = _("credit fact")
        verbose_name_plural = _("credit facts")
        constraints = [models.UniqueConstraint(fields=["subject_type", "subject_id", "kind", "key"],
                                               name="uniq_credit_fact")]

    def __str__(self) -> str:
        return f"{self.subject_type}:{self.subject_id} {self.kind} {self.key}"
