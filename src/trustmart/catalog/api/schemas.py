"""Shapes of the catalog API. Schemas only parse and present; the services decide."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.urls import reverse
from django.utils import timezone
from ninja import Schema

from trustmart.core.money import format_fen

from .. import selectors
from ..models import Batch, Category, Certificate, Product, ProductImage, ProductRevision
from ..selectors import ProductPage


# --- out ----------------------------------------------------------------------------------
class CategoryOut(Schema):
    id: int
    name: str
    name_en: str
    slug: str
    deposit_fen: int
    requires_production_licence: bool
    requires_batches: bool
    children: list[CategoryOut] = []


class CategoryRef(Schema):
    id: int
    name: str
    slug: str


class MerchantCardOut(Schema):
    id: int
    name: str
    logo_url: str | None
    introduction: str
    genuine: bool


class ProductCardOut(Schema):
    """A card in a list; read from ``selectors.product_card_qs()`` rows."""

    id: int
    name: str
    subtitle: str
    brand: str
    price_fen: int
    price: str
    image_url: str | None
    category: CategoryRef
    merchant: MerchantCardOut
    sales_count: int

    @staticmethod
    def resolve_price(obj: Product) -> str:
        return format_fen(int(obj.price_fen))

    @staticmethod
    def resolve_image_url(obj: Product) -> str | None:
        return selectors.main_image_url(obj)

    @staticmethod
    def resolve_merchant(obj: Product) -> MerchantCardOut:
        return merchant_card(obj)


class ImageOut(Schema):
    id: int
    url: str
    position: int
    pending: bool


class SpecOptionOut(Schema):
    name: str
    values: list[str]


class SkuOut(Schema):
    id: int
    spec_key: str
    specs: dict[str, str]
    price_fen: int
    stock: int
    barcode: str


class BatchOut(Schema):
    id: int
    batch_no: str
    production_date: date
    shelf_life_days: int
    expires_on: date
    quantity: int | None
    expired: bool


class CertificateOut(Schema):
    id: int
    name: str
    issued_by: str
    valid_until: date | None
    url: str
    kind: str
    pending: bool


class TraceabilityOut(Schema):
    manufacturer: str
    place_of_origin: str
    production_licence_no: str
    batches: list[BatchOut]
    current_batch: BatchOut | None
    certificates: list[CertificateOut]


class ProductDetailOut(Schema):
    id: int
    name: str
    subtitle: str
    brand: str
    description: str
    category: CategoryRef
    price_min_fen: int
    price_max_fen: int
    commission_bps: int
    share_earning_fen: int
    purchase_limit: int | None
    total_stock: int
    purchasable: bool
    genuine: bool
    images: list[ImageOut]
    options: list[SpecOptionOut]
    skus: list[SkuOut]
    traceability: TraceabilityOut
    merchant: MerchantCardOut


class ReviewOut(Schema):
    decision: str
    reason: str
    decided_at: datetime
    revision_id: int | None


class RevisionOut(Schema):
    id: int
    product_id: int
    status: str
    changes: dict[str, Any]
    submitted_at: datetime


class MerchantProductOut(ProductDetailOut):
    status: str
    review_reason: str
    merchant_id: int
    pending_revision: RevisionOut | None
    reviews: list[ReviewOut]


class MerchantProductCardOut(Schema):
    id: int
    name: str
    status: str
    price_fen: int
    image_url: str | None
    review_reason: str
    updated_at: datetime

    @staticmethod
    def resolve_image_url(obj: Product) -> str | None:
        return selectors.main_image_url(obj)


class DiffRowOut(Schema):
    field: str
    label: str
    before: Any
    after: Any


class RevisionDetailOut(RevisionOut):
    product_name: str
    merchant_name: str
    diff: list[DiffRowOut]


class BoundsOut(Schema):
    min_bps: int
    max_bps: int


# --- in -----------------------------------------------------------------------------------
class SpecOptionIn(Schema):
    name: str
    values: list[str]


class SkuIn(Schema):
    specs: dict[str, str] = {}
    price_fen: int
    stock: int = 0
    barcode: str = ""


class SkusIn(Schema):
    options: list[SpecOptionIn] = []
    skus: list[SkuIn] | None = None
    price_fen: int | None = None
    stock: int = 0


class ProductIn(SkusIn):
    merchant_id: int | None = None
    name: str
    brand: str
    category_id: int
    manufacturer: str
    place_of_origin: str
    subtitle: str = ""
    description: str = ""
    production_licence_no: str = ""
    commission_bps: int | None = None
    purchase_limit: int | None = None


class ProductPatch(Schema):
    name: str | None = None
    subtitle: str | None = None
    brand: str | None = None
    description: str | None = None
    category_id: int | None = None
    manufacturer: str | None = None
    place_of_origin: str | None = None
    production_licence_no: str | None = None
    commission_bps: int | None = None
    purchase_limit: int | None = None


class SkuPatch(Schema):
    price_fen: int | None = None
    barcode: str | None = None
    is_active: bool | None = None


class StockIn(Schema):
    """Either ``stock`` (set the count) or ``delta`` (add, or remove with a negative)."""

    stock: int | None = None
    delta: int | None = None


class BatchIn(Schema):
    batch_no: str
    production_date: date
    shelf_life_days: int
    quantity: int | None = None


class ImageOrderIn(Schema):
    image_ids: list[int]


class ReasonIn(Schema):
    reason: str = ""


class BoundsIn(Schema):
    min_bps: int
    max_bps: int


# --- presenting ---------------------------------------------------------------------------
def category_ref(category: Category) -> CategoryRef:
    return CategoryRef(id=category.pk, name=category.name, slug=category.slug)


def category_out(category: Category) -> CategoryOut:
    return CategoryOut(
        id=category.pk, name=category.name, name_en=category.name_en, slug=category.slug,
        deposit_fen=category.deposit_fen,
        requires_production_licence=category.requires_production_licence,
        requires_batches=category.requires_batches,
        children=[category_out(c) for c in getattr(category, "subcategories", [])])


def merchant_card(product: Product) -> MerchantCardOut:
    merchant = product.merchant
    return MerchantCardOut(id=merchant.pk, name=merchant.name,
                           logo_url=merchant.logo.url if merchant.logo else None,
                           introduction=merchant.introduction,
                           genuine=selectors.product_is_visible(product=product))


def image_out(image: ProductImage) -> ImageOut:
    return ImageOut(id=image.pk, url=image.image.url, position=image.position,
                    pending=image.pending)


def batch_out(batch: Batch) -> BatchOut:
    return BatchOut(id=batch.pk, batch_no=batch.batch_no, production_date=batch.production_date,
                    shelf_life_days=batch.shelf_life_days, expires_on=batch.expires_on,
                    quantity=batch.quantity, expired=batch.expires_on <= timezone.localdate())


def certificate_out(certificate: Certificate) -> CertificateOut:
    kind = "pdf" if (certificate.file.name or "").lower().endswith(".pdf") else "image"
    return CertificateOut(id=certificate.pk, name=certificate.name,
                          issued_by=certificate.issued_by, valid_until=certificate.valid_until,
                          url=reverse("api:catalog_certificate_file", args=[certificate.pk]),
                          kind=kind, pending=certificate.pending)


def detail_fields(page: ProductPage) -> dict[str, Any]:
    product = page.product
    return {
        "id": product.pk, "name": product.name, "subtitle": product.subtitle,
        "brand": product.brand, "description": product.description,
        "category": category_ref(product.category),
        "price_min_fen": page.price_min_fen, "price_max_fen": page.price_max_fen,
        "commission_bps": product.commission_bps, "share_earning_fen": page.share_earning_fen,
        "purchase_limit": product.purchase_limit, "total_stock": page.total_stock,
        "purchasable": page.purchasable, "genuine": page.genuine,
        "images": [image_out(i) for i in page.images],
        "options": [SpecOptionOut(name=o.name, values=o.values) for o in page.options],
        "skus": [SkuOut(id=s.pk, spec_key=s.spec_key, specs=s.specs, price_fen=s.price_fen,
                        stock=s.stock, barcode=s.barcode) for s in page.skus],
        "traceability": TraceabilityOut(
            manufacturer=product.manufacturer, place_of_origin=product.place_of_origin,
            production_licence_no=product.production_licence_no,
            batches=[batch_out(b) for b in page.batches],
            current_batch=batch_out(page.current_batch) if page.current_batch else None,
            certificates=[certificate_out(c) for c in page.certificates]),
        "merchant": merchant_card(product),
    }


def product_detail(page: ProductPage) -> ProductDetailOut:
    return ProductDetailOut(**detail_fields(page))


def revision_out(revision: ProductRevision) -> RevisionOut:
    return RevisionOut(id=revision.pk, product_id=revision.product_id, status=revision.status,
                       changes=revision.changes, submitted_at=revision.submitted_at)


def merchant_product(page: ProductPage) -> MerchantProductOut:
    product = page.product
    revision = selectors.revision_pending_of(product=product)
    return MerchantProductOut(
        **detail_fields(page), status=product.status, review_reason=product.review_reason,
        merchant_id=product.merchant_id,
        pending_revision=revision_out(revision) if revision else None,
        reviews=[ReviewOut(decision=r.decision, reason=r.reason, decided_at=r.decided_at,
                           revision_id=r.revision_id)
                 for r in selectors.product_reviews(product=product)])


def diff_value(value: Any) -> Any:
    if isinstance(value, Category):
        return category_ref(value).dict()
    if isinstance(value, list):
        return [image_out(v).dict() if isinstance(v, ProductImage)
                else certificate_out(v).dict() if isinstance(v, Certificate) else v
                for v in value]
    return value
