"""The supply catalog: categories, products with images and SKUs, traceability, review.

Only a live product of an active merchant whose deposit is paid is visible to buyers. Money is
fen; the commission rate is basis points within the platform's bounds.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from trustmart.core.storage import private_storage


def _random_name(folder: str, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower()[:5] if "." in filename else "bin"
    name = uuid.uuid4().hex
    return f"{folder}/{name[:2]}/{name}.{suffix}"


def product_image_upload_to(instance: models.Model, filename: str) -> str:
    return _random_name("product-images", filename)


def certificate_upload_to(instance: models.Model, filename: str) -> str:
    return _random_name("certificates", filename)


class Category(models.Model):
    """A node of the category tree. The platform sets the deposit and traceability rules."""

    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    slug = models.SlugField(unique=True)
    position = models.PositiveIntegerField(default=0)
    # 保证金: what a merchant selling in this (top-level) category must keep on deposit.
    deposit_fen = models.BigIntegerField(_("required deposit (fen)"), default=0)
    # Food, cosmetics and baby products need a production licence (SC number) and batches.
    requires_production_licence = models.BooleanField(default=False)
    requires_batches = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "pk"]
        constraints = [models.CheckConstraint(condition=Q(deposit_fen__gte=0),
                                              name="category_deposit_not_negative")]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Waiting for review")
        LIVE = "live", _("Live")
        REJECTED = "rejected", _("Rejected")
        OFFLINE = "offline", _("Taken down")

    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT,
                                 related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(_("name"), max_length=60)
    subtitle = models.CharField(_("selling point"), max_length=100, blank=True)
    brand = models.CharField(_("brand"), max_length=50)
    description = models.TextField(_("description"), blank=True)  # sanitised HTML
    # Traceability (溯源)
    manufacturer = models.CharField(_("manufacturer"), max_length=100)
    place_of_origin = models.CharField(_("place of origin"), max_length=100)
    production_licence_no = models.CharField(_("production licence number"), max_length=30,
                                             blank=True)
    commission_bps = models.PositiveIntegerField(_("commission rate (basis points)"), default=0)
    purchase_limit = models.PositiveIntegerField(
        _("purchase limit per order"), null=True, blank=True,
        help_text=_("Most units of this product one buyer may buy in one order; empty = no limit."))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_reason = models.TextField(blank=True)
    # Denormalised for sorting: price_fen is the lowest active SKU price; sales_count grows with
    # paid orders.
    price_fen = models.BigIntegerField(default=0)
    sales_count = models.PositiveIntegerField(default=0)
    # Space-separated jieba tokens of name, brand, category and description; what search matches.
    search_document = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        indexes = [
            models.Index(fields=["status", "category"], name="product_status_cat_idx"),
            models.Index(fields=["merchant", "status"], name="product_merchant_idx"),
            models.Index(fields=["status", "-sales_count"], name="product_sales_idx"),
            models.Index(fields=["status", "price_fen"], name="product_price_idx"),
            models.Index(fields=["status", "-published_at"], name="product_newest_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(commission_bps__lte=10_000),
                                   name="product_commission_at_most_100_percent"),
            models.CheckConstraint(condition=Q(price_fen__gte=0),
                                   name="product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductImage(models.Model):
    """Ordered images; the first (lowest position) is the main image."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_upload_to)
    position = models.PositiveIntegerField(default=0)
    # Uploaded for a change to a live product: hidden from buyers until the operator approves
    # the revision that lists it (a rejected revision deletes it).
    pending = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("product image")
        verbose_name_plural = _("product images")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.product_id}#{self.position}"


class SpecOption(models.Model):
    """A dimension of variation (颜色, 尺码, 规格…) with its values, in display order."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="spec_options")
    name = models.CharField(_("spec name"), max_length=20)
    values = models.JSONField(default=list)  # ["红色", "蓝色"]
    position = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("spec option")
        verbose_name_plural = _("spec options")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["product", "name"],
                                               name="uniq_spec_option_name")]

    def __str__(self) -> str:
        return f"{self.name}: {'/'.join(self.values)}"


class Sku(models.Model):
    """One buyable variant: a choice of one value per spec option, with its price and stock.

    ``spec_key`` is the canonical text of that choice ("颜色:红色|尺码:L"); it is unique per
    product, so a duplicate spec combination cannot exist. Stock only changes by conditional
    UPDATE, and the database refuses a negative stock.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    spec_key = models.CharField(max_length=200, blank=True)
    specs = models.JSONField(default=dict)  # {"颜色": "红色", "尺码": "L"}
    price_fen = models.BigIntegerField(_("price (fen)"))
    stock = models.IntegerField(_("stock"), default=0)
    barcode = models.CharField(_("barcode"), max_length=32, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "spec_key"], name="uniq_sku_spec"),
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="sku_price_positive"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="sku_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.spec_key or '-'}"


class Batch(models.Model):
    """A production batch: when it was made and how long it keeps. Expired batches never sell."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="batches")
    batch_no = models.CharField(_("batch number"), max_length=40)
    production_date = models.DateField(_("production date"))
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"))
    expires_on = models.DateField(_("expires on"))  # production_date + shelf_life_days
    quantity = models.PositiveIntegerField(_("quantity produced"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-production_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["product", "batch_no"], name="uniq_batch_no"),
            models.CheckConstraint(condition=Q(expires_on__gte=F("production_date")),
                                   name="batch_expiry_after_production"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.batch_no}"

    @staticmethod
    def expiry_of(production_date: date, shelf_life_days: int) -> date:
        return production_date + timedelta(days=shelf_life_days)


class Certificate(models.Model):
    """A test report, licence or certificate backing the product (uploaded document)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="certificates")
    name = models.CharField(_("certificate name"), max_length=60)
    issued_by = models.CharField(_("issued by"), max_length=100, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    # Private storage: served by the certificate view (buyers once the product is visible;
    # the merchant's staff and operators always), a PDF as an attachment.
    file = models.FileField(upload_to=certificate_upload_to, storage=private_storage)
    # As for images: added to a live product, it waits for the operator's approval.
    pending = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ProductReview(models.Model):
    """Every review decision on a product (or on a change to a live product), kept forever."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        TAKE_DOWN = "take_down", _("Take down")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    revision = models.ForeignKey("ProductRevision", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product review")
        verbose_name_plural = _("product reviews")
        ordering = ["decided_at"]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.decision}"


class ProductRevision(models.Model):
    """Proposed content changes to a live product. The live version stays on sale until an
    operator approves the revision, which then applies it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="revisions")
    changes = models.JSONField()  # {"name": "...", "description": "...", ...}
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product revision")
        verbose_name_plural = _("product revisions")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["product"], condition=Q(status="pending"),
                                    name="one_pending_revision_per_product"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} rev {self.pk}"


class CommissionBounds(models.Model):
    """The platform's minimum and maximum commission rate (one row; defaults when absent)."""

    min_bps = models.PositiveIntegerField(default=100)  # 1%
    max_bps = models.PositiveIntegerField(default=3000)  # 30%
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("commission bounds")
        verbose_name_plural = _("commission bounds")
        constraints = [
            models.CheckConstraint(condition=Q(min_bps__lte=F("max_bps")) & Q(max_bps__lte=10_000),
                                   name="commission_bounds_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.min_bps}-{self.max_bps} bps"
