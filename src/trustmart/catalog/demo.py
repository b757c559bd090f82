"""Demo catalog: the category tree and 80+ live products with SKUs, images, batches and
certificates, all made through the catalog's services and approved by the demo operator.

Deterministic for a given ``rng``. Fast: each distinct picture is drawn once (a gradient with
simple shapes and, when a CJK font is installed, the brand and product name) and its JPEG bytes
are reused; images are small (600x600, quality 80).
"""

from __future__ import annotations

import functools
import io
import math
import random
import re
import shutil
import subprocess
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont, ImageOps

from trustmart.accounts.models import User
from trustmart.merchants.models import Merchant

from . import services
from .demo_data import CATEGORY_TREE, ITEMS, MANUFACTURER_SUFFIX, Item
from .models import Category, Product

TARGET_PRODUCTS = 84
IMAGE_SIZE = 600
EDITIONS = ("", " 升级款", " 家庭装", " 礼盒款")
PALETTES: dict[str, list[tuple[tuple[int, int, int], tuple[int, int, int]]]] = {
    "beauty": [((255, 214, 224), (233, 30, 99)), ((255, 236, 210), (240, 122, 60))],
    "baby": [((222, 240, 255), (52, 120, 246)), ((255, 243, 214), (240, 160, 40))],
    "food": [((222, 245, 226), (31, 157, 85)), ((255, 240, 214), (190, 110, 30))],
    "apparel": [((236, 239, 241), (96, 125, 139)), ((245, 235, 225), (150, 110, 80))],
    "home": [((240, 230, 250), (142, 68, 173)), ((232, 244, 240), (0, 150, 136))],
    "digital": [((226, 234, 252), (52, 120, 246)), ((40, 44, 52), (120, 140, 170))],
}
SUFFIX = re.compile(r"(茶业|母婴|家居|数码|食品|服饰|旗舰店)$")


# --- categories -------------------------------------------------------------------------
def build_categories() -> dict[str, Category]:
    """The category tree; returns the top-level categories by slug (beauty, baby, food, …).

    Food, beauty and baby products need a production licence and batches, as do their
    subcategories; the deposit is what a merchant in the category keeps with the platform.
    """
    tops: dict[str, Category] = {}
    for position, (slug, name, name_en, deposit_yuan, regulated, children) in enumerate(
            CATEGORY_TREE):
        rules = {"requires_production_licence": regulated, "requires_batches": regulated}
        top, _created = Category.objects.update_or_create(slug=slug, defaults={
            "name": name, "name_en": name_en, "position": position, "parent": None,
            "deposit_fen": deposit_yuan * 100, "is_active": True, **rules})
        for child_position, (child_slug, child_name, child_en) in enumerate(children):
            Category.objects.update_or_create(slug=child_slug, defaults={
                "name": child_name, "name_en": child_en, "position": child_position,
                "parent": top, "deposit_fen": 0, "is_active": True, **rules})
        tops[slug] = top
    return tops


# --- pictures ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _font_path() -> str | None:
    """A Noto CJK font if the system has one (fc-match finds it); None means shapes only."""
    fc_match = shutil.which("fc-match")
    if fc_match:
        try:
            found = subprocess.run([fc_match, "-f", "%{file}", "Noto Sans CJK SC:bold"],  # noqa: S603
                                   capture_output=True, text=True, timeout=5, check=False)
        except (OSError, subprocess.SubprocessError):
            found = None
        if found and found.returncode == 0 and "CJK" in found.stdout:
            return found.stdout.strip()
    return None


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | None:
    path = _font_path()
    if path is None:
        return None
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        return None


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80, optimize=True)
    return buffer.getvalue()


def _gradient(light: tuple[int, int, int], dark: tuple[int, int, int],
              angle: int) -> Image.Image:
    ramp = Image.linear_gradient("L").rotate(angle, expand=False).resize(
        (IMAGE_SIZE, IMAGE_SIZE))
    return ImageOps.colorize(ramp, black=light, white=dark).convert("RGB")


def _draw_text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int,
               fill: tuple[int, int, int]) -> None:
    font = _font(size)
    if font is not None:
        draw.text(xy, text, font=font, fill=fill)


def product_picture(*, brand: str, name: str, top: str, variant: int) -> bytes:
    """A product's main picture: gradient, a 'package' with a label, brand and name."""
    light, dark = PALETTES[top][variant % 2]
    image = _gradient(light, dark, angle=45 + variant * 30)
    draw = ImageDraw.Draw(image)
    # The package: a rounded box with a lid, and a soft shadow.
    draw.ellipse((150, 470, 450, 520), fill=tuple(max(c - 40, 0) for c in dark))
    draw.rounded_rectangle((170, 150, 430, 490), radius=36, fill=(255, 255, 255))
    draw.rounded_rectangle((200, 110, 400, 170), radius=20, fill=dark)
    draw.rounded_rectangle((195, 260, 405, 380), radius=18, fill=light)
    for i in range(3):  # a little pattern on the label
        x = 230 + i * 60
        draw.ellipse((x, 300, x + 30, 330), fill=dark)
    _draw_text(draw, (200, 190), brand[:4], 44, dark)
    title = name.split(" ")[0][:8]
    _draw_text(draw, (36, 36), title, 40, (255, 255, 255) if top == "digital" else dark)
    _draw_text(draw, (36, 540), "正品保证 · 假一赔十", 26,
               (255, 255, 255) if top == "digital" else dark)
    return _jpeg(image)


def detail_picture(*, top: str, variant: int) -> bytes:
    """A detail picture shared by a category: circles and bars, like a lifestyle shot."""
    light, dark = PALETTES[top][variant % 2]
    image = _gradient(light, (255, 255, 255), angle=90 + variant * 45)
    draw = ImageDraw.Draw(image)
    for i in range(6):
        r = 40 + 18 * i
        cx = 300 + int(160 * math.cos(i * 1.1 + variant))
        cy = 300 + int(160 * math.sin(i * 1.1 + variant))
        draw.ellipse((cx - r // 2, cy - r // 2, cx + r // 2, cy + r // 2), outline=dark, width=6)
    draw.rounded_rectangle((90, 500, 510, 540), radius=20, fill=dark)
    _draw_text(draw, (110, 60), ["匠心品质", "产地直供"][variant % 2], 48, dark)
    return _jpeg(image)


def certificate_pdf() -> bytes:
    """A one-page PDF that looks like a test report (Pillow writes PDF)."""
    page = Image.new("RGB", (420, 594), (252, 250, 244))
    draw = ImageDraw.Draw(page)
    draw.rectangle((14, 14, 405, 579), outline=(31, 90, 160), width=4)
    _draw_text(draw, (120, 40), "检验检测报告", 30, (31, 90, 160))
    for y in range(120, 470, 28):
        draw.line((40, y, 380, y), fill=(200, 200, 200), width=3)
    draw.ellipse((280, 470, 380, 570), outline=(210, 40, 40), width=6)
    buffer = io.BytesIO()
    page.save(buffer, format="PDF", resolution=72)
    return buffer.getvalue()


# --- products ---------------------------------------------------------------------------
def _brand_of(merchant: Merchant) -> str:
    return SUFFIX.sub("", merchant.name) or merchant.name


def _top_of(slug: str) -> str:
    for top, _n, _e, _d, _r, children in CATEGORY_TREE:
        if slug == top or any(slug == c[0] for c in children):
            return top
    return "home"


def _items_for(merchant: Merchant) -> list[Item]:
    """Templates of the (sub)categories the merchant was approved for, in catalog order."""
    slugs: set[str] = set()
    for category in merchant.application.main_categories.all():
        slugs.add(category.slug)
        slugs.update(category.children.values_list("slug", flat=True))
    return [item for item in ITEMS if item.category in slugs]


def _skus(item: Item, rng: random.Random, bump: int) -> list[services.SkuInput]:
    names = [name for name, _values in item.options]
    first_values = item.options[0][1] if item.options else ("",)
    cents = rng.choice((0, 10))  # ¥x.00 or ¥x.90, the same for every SKU of a product
    skus = []
    for combo in services.sku_matrix([services.SpecOptionInput(n, list(v))
                                      for n, v in item.options]):
        index = first_values.index(combo[names[0]]) if names else 0
        yuan = (item.price + item.step * index) * (100 + bump) // 100
        skus.append(services.SkuInput(specs=combo, price_fen=yuan * 100 - cents,
                                      stock=rng.choice((0, 8, 25, 60, 120, 300, 800))))
    if all(s.stock == 0 for s in skus):
        skus[0] = services.SkuInput(specs=skus[0].specs, price_fen=skus[0].price_fen, stock=50)
    return skus


def _description(brand: str, item: Item) -> str:
    points = "".join(f"<li>{p}</li>" for p in item.points)
    return (f"<h3>{brand} · 产品亮点</h3><ul>{points}</ul>"
            f"<p>{item.subtitle}。产地{item.origin}，品牌方直供，每一件都可溯源。</p>"
            f"<h4>购买须知</h4><p>支持7天无理由退货（拆封影响二次销售的除外）。"
            f"平台担保交易，确认收货后才与商家结算。</p>")


def build_products(rng: random.Random, *, merchants: list[Merchant],
                   operator: User) -> list[Product]:
    """80+ live products spread over the merchants' categories, approved by ``operator``."""
    plans: list[tuple[Merchant, Item, int]] = []
    per_merchant = math.ceil(TARGET_PRODUCTS / max(len(merchants), 1))
    for merchant in merchants:
        items = _items_for(merchant)
        for n in range(per_merchant if items else 0):
            plans.append((merchant, items[n % len(items)], n // len(items)))
    today = timezone.localdate()
    details = {(top, v): detail_picture(top=top, variant=v) for top in PALETTES for v in (0, 1)}
    pdf = certificate_pdf()
    expired_done = False
    products: list[Product] = []
    for number, (merchant, item, edition) in enumerate(plans):
        owner = merchant.owner
        brand, top = _brand_of(merchant), _top_of(item.category)
        category = Category.objects.get(slug=item.category)
        regulated = top in ("beauty", "baby", "food")
        product = services.product_create(
            user=owner, merchant_id=merchant.pk,
            name=f"{brand} {item.name}{EDITIONS[edition % len(EDITIONS)]}",
            brand=brand, category_id=category.pk, subtitle=item.subtitle,
            description=_description(brand, item),
            manufacturer=f"{merchant.company_name}" if "公司" in merchant.company_name
            else f"{brand}{MANUFACTURER_SUFFIX[top]}",
            place_of_origin=item.origin,
            production_licence_no=("SC" + "".join(rng.choice("0123456789") for _ in range(14))
                                   if regulated else ""),
            commission_bps=rng.choice((500, 800, 1000, 1200, 1500, 2000)),
            purchase_limit=rng.choice((None, None, None, 5, 10)),
            options=[services.SpecOptionInput(n, list(v)) for n, v in item.options],
            skus=_skus(item, rng, bump=10 * edition), price_fen=None)
        main = product_picture(brand=brand, name=item.name, top=top, variant=number)
        for jpeg in (main, details[(top, 0)], details[(top, 1)]):
            services.product_image_add_bytes(user=owner, product_id=product.pk, jpeg=jpeg)
        if item.shelf is not None:
            _batches(rng, owner=owner, product=product, shelf=item.shelf, today=today,
                     with_expired=not expired_done)
            expired_done = True
        services.certificate_add(
            user=owner, product_id=product.pk, name="第三方检验检测报告",
            issued_by=rng.choice(("SGS 通标标准技术服务有限公司", "华测检测认证集团",
                                  "谱尼测试集团")),
            valid_until=today + timedelta(days=rng.randint(200, 700)),
            upload=SimpleUploadedFile("report.pdf", pdf, "application/pdf"))
        services.product_submit(user=owner, product_id=product.pk)
        products.append(services.product_approve(operator=operator, product_id=product.pk,
                                                 reason="资料齐全，溯源信息完整。"))
    _sales(rng, products)
    return products


def _batches(rng: random.Random, *, owner: User, product: Product, shelf: int, today: Any,
             with_expired: bool) -> None:
    """Two or three batches made in the past; the first regulated product also has one that
    has expired (it is listed, never sold)."""
    ages = sorted(rng.sample(range(5, max(shelf // 2, 10)), k=rng.choice((2, 3))))
    if with_expired:
        ages.append(shelf + 20)
    for n, age in enumerate(ages):
        made = today - timedelta(days=age)
        services.batch_add(user=owner, product_id=product.pk,
                           batch_no=f"{made:%Y%m%d}-{n + 1:02d}", production_date=made,
                           shelf_life_days=shelf,
                           quantity=rng.choice((None, 2000, 5000, 10000)))


def _sales(rng: random.Random, products: list[Product]) -> None:
    """Past sales for sorting by popularity (orders will keep this count from now on)."""
    counts = {p.pk: rng.choice((0, 3, 12, 48, 160, 520, 1800)) for p in products}
    if counts:
        Product.objects.filter(pk__in=counts).update(sales_count=Case(
            *[When(pk=pk, then=Value(n)) for pk, n in counts.items()],
            output_field=IntegerField()))
    for product in products:
        product.sales_count = counts[product.pk]
