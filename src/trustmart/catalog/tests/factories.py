"""Test data for the catalog: categories, merchants (straight rows, as the merchants app's own
approval would leave them) and products made through the catalog's services."""

from __future__ import annotations

import io
from datetime import timedelta
from itertools import count
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from trustmart.accounts.models import User
from trustmart.catalog import services
from trustmart.catalog.models import Category, Product
from trustmart.core.tests import pdfs
from trustmart.merchants.models import Merchant, MerchantApplication, MerchantStaff

_numbers = count(1)
LICENCE = "SC11233010600123"


def make_category(slug: str = "tea", *, name: str = "茶叶", parent: Category | None = None,
                  licence: bool = False, batches: bool = False,
                  deposit_fen: int = 0) -> Category:
    return Category.objects.create(slug=slug, name=name, parent=parent,
                                   requires_production_licence=licence,
                                   requires_batches=batches, deposit_fen=deposit_fen)


def make_merchant(owner: User, *, categories: list[Category], name: str = "山水茶业",
                  deposit_ok: bool = True, status: str = Merchant.Status.ACTIVE) -> Merchant:
    n = next(_numbers)
    credit_code = f"91330100MA{n:08d}"
    application = MerchantApplication.objects.create(
        applicant=owner, company_name=f"{name}有限公司", credit_code=credit_code,
        legal_representative="王建国", contact_name="王建国", contact_mobile=owner.mobile,
        brand_name=name, business_licence="papers/licence.pdf",
        brand_authorisation="papers/brand.pdf", status=MerchantApplication.Status.APPROVED)
    application.main_categories.set(categories)
    merchant = Merchant.objects.create(owner=owner, application=application, name=name,
                                       company_name=f"{name}有限公司", credit_code=credit_code,
                                       deposit_ok=deposit_ok, status=status)
    MerchantStaff.objects.create(merchant=merchant, user=owner, role=MerchantStaff.Role.OWNER)
    return merchant


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (400, 300),
                colour: tuple[int, int, int] = (200, 80, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt)
    return buffer.getvalue()


def image_upload(fmt: str = "PNG", name: str = "photo.png", **kwargs: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs),
                              content_type=f"image/{fmt.lower()}")


def pdf_upload(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdfs.real_pdf(), content_type="application/pdf")


def product_fields(category: Category, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "name": "山水 明前龙井 特级 250g", "brand": "山水", "category_id": category.pk,
        "manufacturer": "杭州山水茶业有限公司", "place_of_origin": "浙江杭州",
        "subtitle": "明前头采，鲜爽回甘",
        "description": "<p>西湖产区，<strong>明前</strong>采摘。</p>",
        "production_licence_no": LICENCE, "commission_bps": 1000,
        "options": [services.SpecOptionInput("规格", ["250g", "500g"])],
        "price_fen": 19_900, "stock": 10,
    }
    fields.update(overrides)
    return fields


def make_product(user: User, merchant: Merchant, category: Category, *, image: bool = True,
                 batch: bool = True, **overrides: Any) -> Product:
    """A complete draft: SKUs, an image and (when ``batch``) a fresh batch."""
    product = services.product_create(user=user, merchant_id=merchant.pk,
                                      **product_fields(category, **overrides))
    if image:
        services.product_image_add(user=user, product_id=product.pk, upload=image_upload())
    if batch:
        services.batch_add(user=user, product_id=product.pk, batch_no="B20260101",
                           production_date=timezone.localdate() - timedelta(days=30),
                           shelf_life_days=365)
    return product


def make_live_product(user: User, merchant: Merchant, category: Category, operator: User,
                      **overrides: Any) -> Product:
    product = make_product(user, merchant, category, **overrides)
    services.product_submit(user=user, product_id=product.pk)
    return services.product_approve(operator=operator, product_id=product.pk)
