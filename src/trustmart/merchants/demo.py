"""Demo merchants: six vetted brands, one per top-level category, and one application waiting.

Everything goes through the services, so the demo shows real decisions by the demo operator.
Deposits are not paid here (the payments demo does that). Deterministic for a given ``rng``.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from trustmart.accounts.models import User

from . import services
from .models import Merchant
from .validators import CREDIT_CODE_CHARSET, credit_code_check_char


@dataclass(frozen=True)
class DemoBrand:
    slug: str
    brand: str
    company: str
    legal: str
    contact: str
    introduction: str
    colour: tuple[int, int, int]


BRANDS = [
    DemoBrand("beauty", "花漾肌", "上海花漾生物科技有限公司", "沈丽华", "周婷",
              "专注敏感肌护理十年，每一批产品可溯源。", (233, 30, 99)),
    DemoBrand("baby", "暖暖母婴", "杭州暖暖母婴用品有限公司", "吴晓燕", "何佳",
              "妈妈们信赖的母婴用品，A 类标准，安心之选。", (240, 122, 60)),
    DemoBrand("food", "山水茶业", "福建山水茶业有限公司", "王建国", "王建国",
              "武夷山自有茶园，从茶园到茶杯全程可追溯。", (31, 157, 85)),
    DemoBrand("apparel", "素衣记", "广州素衣记服饰有限公司", "梁志强", "陈敏",
              "天然面料，简约剪裁，每件衣服都经得起洗。", (96, 125, 139)),
    DemoBrand("home", "栖木家居", "佛山栖木家居有限公司", "黄国平", "黄蕾",
              "实木小家具与收纳好物，工厂直供。", (142, 68, 173)),
    DemoBrand("digital", "极光数码", "深圳极光数码科技有限公司", "刘志远", "刘洋",
              "耳机、充电与小家电，官方授权，全国联保。", (52, 120, 246)),
]
PENDING = DemoBrand("food", "青禾有机", "黑龙江青禾有机农业有限公司", "赵永刚", "赵敏",
                    "五常有机大米产地直发。", (0, 150, 136))
# Registration authority 9 (market regulation), type 1 (company), then the division code.
DIVISIONS = ["310115", "330106", "350782", "440106", "440604", "440305", "230184"]


def credit_code(rng: random.Random, division: str) -> str:
    """A well-formed, random 统一社会信用代码 with the right check character."""
    body = "91" + division + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
    return body + credit_code_check_char(body)


def _document(colour: tuple[int, int, int], title: str) -> bytes:
    """A small PNG that looks like a scanned certificate: frame, lines and a red seal."""
    image = Image.new("RGB", (320, 220), (252, 250, 244))
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 8, 311, 211), outline=colour, width=4)
    draw.text((24, 20), title, fill=colour)
    for y in range(60, 170, 22):
        draw.line((24, y, 230, y), fill=(200, 200, 200), width=3)
    draw.ellipse((220, 120, 300, 200), outline=(210, 40, 40), width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _logo(colour: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (256, 256), colour)
    ImageDraw.Draw(image).ellipse((48, 48, 208, 208), outline=(255, 255, 255), width=14)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _apply(rng: random.Random, *, user: User, brand: DemoBrand, category: Any,
           division: str) -> int:
    licence = _document(brand.colour, "BUSINESS LICENCE")
    authorisation = _document(brand.colour, "BRAND AUTHORISATION")
    application = services.application_submit(
        applicant=user, company_name=brand.company, credit_code=credit_code(rng, division),
        legal_representative=brand.legal, contact_name=brand.contact,
        contact_mobile=user.mobile, brand_name=brand.brand, main_category_ids=[category.pk],
        business_licence=SimpleUploadedFile("licence.png", licence, "image/png"),
        brand_authorisation=SimpleUploadedFile("authorisation.png", authorisation,
                                               "image/png"),
    )
    return int(application.pk)


def build(rng: random.Random, *, owners: list[User], categories: dict[str, Any],
          pending_applicant: User, operator: User) -> list[Merchant]:
    """One approved merchant per owner and one application left pending.

    The first owner gets the food brand 山水茶业 (the demo's merchant log-in is its 王建国); the
    others follow the order of ``categories``. Each brand's only main category is its slug's.
    """
    by_slug = {b.slug: b for b in BRANDS}
    slugs = sorted(categories, key=lambda slug: slug != "food")  # stable: food first
    merchants: list[Merchant] = []
    for index, (owner, slug) in enumerate(zip(owners, slugs, strict=False)):
        brand = by_slug.get(slug) or BRANDS[index % len(BRANDS)]
        application_id = _apply(rng, user=owner, brand=brand, category=categories[slug],
                                division=DIVISIONS[index % len(DIVISIONS)])
        merchant = services.application_approve(
            operator=operator, application_id=application_id,
            reason="资质齐全，品牌授权链完整。")
        merchant = services.merchant_profile_update(
            user=owner, merchant_id=merchant.pk, introduction=brand.introduction,
            logo=SimpleUploadedFile("logo.png", _logo(brand.colour), "image/png"))
        merchants.append(merchant)
    pending_category = categories.get(PENDING.slug) or next(iter(categories.values()))
    _apply(rng, user=pending_applicant, brand=PENDING, category=pending_category,
           division=DIVISIONS[-1])
    return merchants
