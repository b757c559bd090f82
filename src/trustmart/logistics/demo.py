"""Demo data: about forty orders in every state, made through the real services.

It lives in logistics, the lowest app that sees the whole trade (orders below it, payments
beside it), so orders never imports the apps above it.

Each order is what a buyer on the site would leave behind: a cart line attributed to a
reseller's store, a checkout, a sandbox payment completed by its signed notification (so the
escrow hold, callback log and payment rows are real), a shipment with tracking events, a
confirmation of receipt. Settlement runs the real ``orders_settle_due``; the only shortcut is
moving ``settle_due_at`` of the orders meant to be settled into the past, because the demo
cannot wait out the after-sale window.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import timedelta

from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import DomainError
from trustmart.orders import services
from trustmart.orders.models import Address, Order
from trustmart.orders.settlement import orders_settle_due
from trustmart.payments import services as payment_services
from trustmart.payments.providers import Outcome
from trustmart.stores.models import Store, StoreItem

from . import services as logistics_services
from .models import TrackingEvent

# The state each demo order ends in, and how many of each (40 in all).
PLAN: tuple[tuple[str, int], ...] = (
    (Order.Status.AWAITING_PAYMENT, 5),
    (Order.Status.CANCELLED, 4),
    (Order.Status.PAID, 6),
    (Order.Status.SHIPPED, 7),
    (Order.Status.RECEIVED, 6),
    (Order.Status.COMPLETED, 10),
    (Order.Status.REFUNDED, 2),
)
PAID_STATES = {Order.Status.PAID, Order.Status.SHIPPED, Order.Status.RECEIVED,
               Order.Status.COMPLETED, Order.Status.REFUNDED}
SHIPPED_STATES = {Order.Status.SHIPPED, Order.Status.RECEIVED, Order.Status.COMPLETED}

# (province, city, district, street address)
PLACES: tuple[tuple[str, str, str, str], ...] = (
    ("浙江", "杭州市", "西湖区", "文三路 478 号华星时代广场 A 座 1201 室"),
    ("上海", "上海市", "浦东新区", "张杨路 500 号华润时代广场 18 楼"),
    ("北京", "北京市", "朝阳区", "望京街 10 号望京 SOHO 塔 2 B 座 1506"),
    ("广东", "深圳市", "南山区", "科技园南区高新南七道 9 号 3 栋 602"),
    ("广东", "广州市", "天河区", "体育西路 191 号中石化大厦 B 塔 2103"),
    ("江苏", "南京市", "鼓楼区", "中山北路 30 号城市名人酒店公寓 1108"),
    ("四川", "成都市", "武侯区", "人民南路四段 19 号威斯顿联邦大厦 1702"),
    ("湖北", "武汉市", "洪山区", "珞喻路 1037 号华中科技大学西十二舍 305"),
    ("福建", "厦门市", "思明区", "湖滨南路 388 号国贸大厦 9 楼"),
    ("山东", "青岛市", "市南区", "香港中路 61 号远洋大厦 1203"),
    ("陕西", "西安市", "雁塔区", "高新路 52 号高科大厦 1506"),
    ("重庆", "重庆市", "渝中区", "解放碑民族路 188 号环球金融中心 2201"),
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("小雨", "晓燕", "建华", "丽娟", "志强", "欣怡", "子涵", "浩然", "静怡", "明轩")
CARRIERS = ("SF", "ZTO", "YTO", "YD", "JD", "STO")
NOTES = ("", "", "", "请用纸箱包装", "工作日送货", "放门卫即可", "送礼用，请不要放发票")
ROUTE = (
    (TrackingEvent.Status.COLLECTED, "杭州市", "快件已揽收"),
    (TrackingEvent.Status.IN_TRANSIT, "杭州转运中心", "快件已发往目的地"),
    (TrackingEvent.Status.DELIVERING, "", "快递员正在派送"),
    (TrackingEvent.Status.DELIVERED, "", "已签收，签收人：本人"),
)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _addresses(rng: random.Random, buyers: list[User]) -> dict[int, Address]:
    """One or two addresses per buyer; the first is the default used for checkout."""
    chosen: dict[int, Address] = {}
    for buyer in buyers:
        for n in range(rng.choice((1, 1, 2))):
            province, city, district, detail = rng.choice(PLACES)
            name = buyer.nickname if n == 0 and len(buyer.nickname) >= 2 else (
                rng.choice(SURNAMES) + rng.choice(GIVEN))
            address = services.address_create(
                user=buyer, recipient_name=name[:30], mobile=_mobile(rng), province=province,
                city=city, district=district, detail=detail, is_default=n == 0)
            chosen.setdefault(buyer.pk, address)
    return chosen


def _offers(stores: list[Store]) -> list[tuple[Store, Sku]]:
    """(store, SKU in stock) for every SKU of every product each store resells."""
    by_pk = {store.pk: store for store in stores}
    pairs = list(StoreItem.objects.filter(store__in=stores).order_by("store_id", "position", "pk")
                 .values_list("store_id", "product_id"))
    skus: dict[int, list[Sku]] = defaultdict(list)
    for sku in (Sku.objects.filter(product_id__in={p for _s, p in pairs}, stock__gte=5)
                .select_related("product__merchant").order_by("pk")):
        skus[sku.product_id].append(sku)
    return [(by_pk[store_id], sku) for store_id, product_id in pairs for sku in skus[product_id]]


def _place_order(rng: random.Random, buyer: User, address: Address,
                 offers: list[tuple[Store, Sku]]) -> Order | None:
    """Cart line (attributed to the store) → checkout; None if nothing could be bought."""
    # Nobody buys from their own merchant; a sold-out or limited SKU makes us try another.
    candidates = [(store, sku) for store, sku in offers
                  if sku.product.merchant.owner_id != buyer.pk]
    for store, sku in rng.sample(candidates, min(len(candidates), 5)):
        try:
            line = services.cart_line_add(user=buyer, sku_id=sku.pk,
                                          quantity=rng.choice((1, 1, 1, 2, 3)),
                                          store_id=store.pk)
            checkout = services.checkout_create(buyer=buyer, address_id=address.pk,
                                                line_ids=[line.pk],
                                                buyer_note=rng.choice(NOTES))
        except DomainError:
            continue
        return checkout.orders.get()
    return None


def _pay(buyer: User, order: Order) -> None:
    payment = payment_services.checkout_payment_create(
        user=buyer, checkout_no=order.checkout.checkout_no,
        return_url=f"/orders/{order.order_no}/")
    payment_services.sandbox_complete(user=buyer, payment_no=payment.payment_no,
                                      outcome=Outcome.SUCCEEDED)


def _ship(rng: random.Random, order: Order, *, delivered: bool) -> None:
    staff = order.merchant.owner
    carrier = rng.choice(CARRIERS)
    shipment = logistics_services.shipment_create(
        user=staff, order_no=order.order_no, carrier=carrier,
        tracking_no=f"{carrier}{rng.randrange(10**8, 10**9)}{order.pk % 10_000:04d}")
    steps = ROUTE if delivered else ROUTE[:rng.randint(1, 3)]
    start = timezone.now() - timedelta(hours=6 * len(steps))
    for n, (status, location, description) in enumerate(steps):
        logistics_services.tracking_event_add(
            user=staff, shipment_id=shipment.pk, status=status, location=location,
            description=description, occurred_at=start + timedelta(hours=6 * n))


def _assignments(buyers: list[User]) -> list[tuple[User, str]]:
    """The first buyer (the demo's buyer log-in) gets one order in each state; the other
    buyers share the rest in turn."""
    first, others = buyers[0], buyers[1:] or buyers[:1]
    rest = [status for status, count in PLAN for _ in range(count - 1)]
    return ([(first, status) for status, _count in PLAN]
            + [(others[n % len(others)], status) for n, status in enumerate(rest)])


def build(rng: random.Random, *, buyers: list[User], stores: list[Store],
          operator: User) -> dict[str, int]:
    """Orders in every state for ``buyers`` from the products ``stores`` resell.

    ``operator`` is accepted for symmetry with the other builders (and later after-sale
    cases); nothing here needs an operator's hand. Returns the number of orders per status.
    """
    if not buyers or not stores:
        return {}
    addresses = _addresses(rng, buyers)
    offers = _offers(stores)
    if not offers:
        return {}
    to_settle: list[int] = []
    for buyer, target in _assignments(buyers):
        order = _place_order(rng, buyer, addresses[buyer.pk], offers)
        if order is None:
            continue
        if target == Order.Status.CANCELLED:
            services.order_cancel(user=buyer, order_no=order.order_no, reason="不想要了")
        if target in PAID_STATES:
            _pay(buyer, order)
        if target == Order.Status.REFUNDED:
            services.order_cancel(user=buyer, order_no=order.order_no, reason="拍错了规格")
        if target in SHIPPED_STATES:
            _ship(rng, order, delivered=target != Order.Status.SHIPPED)
        if target in (Order.Status.RECEIVED, Order.Status.COMPLETED):
            services.order_confirm_receipt(order_no=order.order_no, user=buyer)
        if target == Order.Status.COMPLETED:
            to_settle.append(order.pk)
    # The after-sale window of these has "passed"; the real sweep settles them.
    Order.objects.filter(pk__in=to_settle).update(
        settle_due_at=timezone.now() - timedelta(minutes=1))
    orders_settle_due()
    counts = Counter(Order.objects.filter(buyer__in=buyers).values_list("status", flat=True))
    return dict(sorted(counts.items()))
