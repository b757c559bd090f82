"""Supply-side rows for store tests, made with the plain ORM (what the catalog guarantees:
a live product of an active merchant whose deposit is paid is visible)."""

from __future__ import annotations

import io
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from trustmart.accounts.models import User
from trustmart.catalog.models import Category, Product, ProductImage, Sku
from trustmart.merchants.models import Merchant, MerchantApplication

_serial = itertools.count(1)


def png(size: tuple[int, int] = (300, 300), colour: tuple[int, int, int] = (200, 80, 60),
        name: str = "x.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def make_category(name: str = "茶叶", *, parent: Category | None = None) -> Category:
    n = next(_serial)
    return Category.objects.create(name=name, slug=f"cat-{n}", parent=parent, position=n)


def make_merchant(owner: User, *, name: str = "山水茶业", deposit_ok: bool = True,
                  status: str = Merchant.Status.ACTIVE) -> Merchant:
    n = next(_serial)
    credit_code = f"91330100MA{n:08d}"
    application = MerchantApplication.objects.create(
        applicant=owner, company_name=f"{name}有限公司", credit_code=credit_code,
        legal_representative="张三", contact_name="张三", contact_mobile="13800000000",
        brand_name=name, business_licence="merchant-papers/licence.pdf",
        brand_authorisation="merchant-papers/brand.pdf",
        status=MerchantApplication.Status.APPROVED)
    return Merchant.objects.create(owner=owner, application=application, name=name,
                                   company_name=f"{name}有限公司", credit_code=credit_code,
                                   deposit_ok=deposit_ok, status=status)


def make_product(merchant: Merchant, category: Category, *, name: str = "明前龙井 250g",
                 price_fen: int = 12_800, status: str = Product.Status.LIVE,
                 image: bool = True) -> Product:
    product = Product.objects.create(
        merchant=merchant, category=category, name=name, brand=merchant.name,
        manufacturer=f"{merchant.name}有限公司", place_of_origin="浙江杭州",
        price_fen=price_fen, status=status, commission_bps=1000,
        published_at=timezone.now() if status == Product.Status.LIVE else None)
    Sku.objects.create(product=product, price_fen=price_fen, stock=100)
    if image:
        ProductImage.objects.create(product=product, image=png(), position=0)
    return product
