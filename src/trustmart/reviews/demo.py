"""Demo data: reviews of every kind on the demo's received and completed orders.

Positive, neutral and negative reviews, some with pictures, some anonymous, follow-ups (追评),
merchant replies and 默认好评 (the due rows are moved into the past, as the orders demo does
with settlement, and the real job records them). A few extra received orders, made by the
orders demo's own helpers, give the merchants different credit levels. The demo buyer keeps
one line to review, so the log-in has something in 待评价.
"""

from __future__ import annotations

import io
import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from trustmart.accounts.models import User
from trustmart.core.errors import DomainError
from trustmart.logistics import demo as orders_demo
from trustmart.merchants.models import Merchant
from trustmart.orders import services as order_services
from trustmart.orders.models import Address, Order, OrderLine
from trustmart.stores.models import Store

from . import services
from .models import Rating, Review, ReviewDue

# How many extra received orders each merchant (by position) gets, and its reviewers' mood.
EXTRA_ORDERS = (14, 6, 2, 3)
TONES = ("delighted", "happy", "mixed", "unhappy")

POSITIVE = ("茶香浓郁，回甘明显，包装也很用心，会回购。", "物流很快，第二天就到了，味道正宗。",
            "第三次买了，品质一直稳定，送人也有面子。", "性价比很高，和描述一致，好评！",
            "客服耐心解答，发货及时，东西不错。", "颜值高，质感好，家里人都说喜欢。")
NEUTRAL = ("东西还可以，就是物流慢了两天。", "味道一般，没有想象中那么香，中规中矩。",
           "包装有点简陋，产品本身还行。")
NEGATIVE = ("收到时外包装破损，里面也受潮了，很失望。", "和图片差距比较大，颜色不一样。",
            "发货太慢，催了三次才发，不会再买了。")
FOLLOWUPS = ("用了一个月，效果依然很好，追加好评。", "喝完一罐又回购了，品质稳定。",
             "后来联系客服补发了，态度不错。")
REPLIES = ("感谢您的支持，期待再次光临！", "抱歉给您带来不好的体验，已安排客服联系您处理。",
           "谢谢亲的好评，我们会继续保持品质！")
TEXTS: dict[str, tuple[str, ...]] = {Rating.POSITIVE.value: POSITIVE,
                                     Rating.NEUTRAL.value: NEUTRAL,
                                     Rating.NEGATIVE.value: NEGATIVE}
COLOURS = ((196, 120, 60), (90, 140, 80), (200, 80, 90), (70, 110, 170), (220, 180, 90))


def _photo(rng: random.Random, n: int) -> SimpleUploadedFile:
    image = Image.new("RGB", (480, 480), rng.choice(COLOURS))
    draw = ImageDraw.Draw(image)
    for _ in range(4):
        x, y = rng.randrange(40, 380), rng.randrange(40, 380)
        draw.ellipse((x, y, x + rng.randrange(40, 120), y + rng.randrange(40, 120)),
                     fill=rng.choice(COLOURS), outline=(255, 255, 255), width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(f"photo{n}.jpg", buffer.getvalue(), content_type="image/jpeg")


def _extra_orders(rng: random.Random, buyers: list[User], merchants: list[Merchant],
                  stores: list[Store]) -> int:
    offers = orders_demo._offers(stores)
    addresses = {a.user_id: a for a in Address.objects.filter(user__in=buyers, is_default=True)}
    made = 0
    for merchant, count in zip(merchants, EXTRA_ORDERS, strict=False):
        mine = [(s, sku) for s, sku in offers if sku.product.merchant_id == merchant.pk]
        for n in range(count if mine else 0):
            buyer = buyers[n % len(buyers)]
            address = addresses.get(buyer.pk)
            if address is None or buyer.pk == merchant.owner_id:
                continue
            order = orders_demo._place_order(rng, buyer, address, mine)
            if order is None:
                continue
            try:
                orders_demo._pay(buyer, order)
                orders_demo._ship(rng, order, delivered=True)
                order_services.order_confirm_receipt(order_no=order.order_no, user=buyer)
            except DomainError:
                continue
            made += 1
    return made


def _rating(rng: random.Random, tone: str) -> str:
    weights = {"delighted": (1, 0, 0), "happy": (8, 1, 1), "mixed": (2, 2, 1),
               "unhappy": (1, 1, 3)}.get(tone, (6, 2, 1))
    return rng.choices((Rating.POSITIVE, Rating.NEUTRAL, Rating.NEGATIVE), weights)[0]


def build(rng: random.Random, *, buyers: list[User], merchants: list[Merchant],
          stores: list[Store]) -> dict[str, int]:
    """Review the received and completed orders of ``buyers``. Returns counts by kind."""
    if not buyers:
        return {}
    _extra_orders(rng, buyers, merchants, stores)
    tone_of = {m.pk: tone for m, tone in zip(merchants, TONES, strict=False)}
    lines = list(OrderLine.objects.select_related("order__merchant")
                 .filter(order__buyer__in=buyers,
                         order__status__in=[Order.Status.RECEIVED, Order.Status.COMPLETED])
                 .order_by("order__pk", "pk"))
    demo_buyer = buyers[0]
    kept = next((line for line in lines if line.order.buyer_id == demo_buyer.pk
                 and line.order.status == Order.Status.RECEIVED), None)
    defaults: list[OrderLine] = []
    counts = {"reviews": 0, "with_images": 0, "anonymous": 0, "followups": 0, "replies": 0,
              "default": 0}
    for n, line in enumerate(lines):
        if line == kept:
            continue
        if n % 7 == 3:
            defaults.append(line)
            continue
        rating = _rating(rng, tone_of.get(line.order.merchant_id, ""))
        text = rng.choice(TEXTS[rating])
        low = rating != Rating.POSITIVE
        images = [_photo(rng, k) for k in range(rng.randint(1, 4))] if n % 3 == 0 else []
        try:
            review = services.review_create(
                buyer=line.order.buyer, line_id=line.pk, rating=rating, text=text,
                description_stars=rng.randint(1, 3) if low else rng.randint(4, 5),
                service_stars=rng.randint(2, 4) if low else 5,
                logistics_stars=rng.randint(3, 5), anonymous=n % 4 == 1, images=images)
        except DomainError:
            continue
        counts["reviews"] += 1
        counts["with_images"] += bool(images)
        counts["anonymous"] += review.anonymous
        if n % 5 == 2:
            services.review_follow_up(buyer=line.order.buyer, review_id=review.pk,
                                      text=rng.choice(FOLLOWUPS))
            counts["followups"] += 1
        if n % 3 != 1 or low:
            services.review_reply(user=line.order.merchant.owner, review_id=review.pk,
                                  text=REPLIES[1] if low else rng.choice(REPLIES[::2]))
            counts["replies"] += 1
    # 默认好评: the buyer's time ran out; the real job records them.
    for line in defaults:
        services.review_dues_create(order_no=line.order.order_no)
    ReviewDue.objects.filter(line__in=defaults).update(
        due_at=timezone.now() - timedelta(minutes=1))
    counts["default"] = services.reviews_default_due()
    counts["reviews"] = Review.objects.count()
    return counts
