"""Demo microstores: every owner passed in opens a store with a Chinese name and picks products.

Stores open through ``services.store_open`` (so owners get the store owner role exactly as in
real life); the picked items are bulk-inserted, since that is where the volume is. Deterministic
for a given ``random.Random``.
"""

from __future__ import annotations

import random

from django.core.files.base import ContentFile

from trustmart.accounts.demo import identicon
from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.catalog.selectors import products_visible

from . import services
from .models import Store, StoreItem

NAME_PATTERNS = [
    "{nick}的好物分享", "{nick}的零食仓", "{nick}严选", "{nick}的小铺", "{nick}的宝藏店",
    "{nick}家的茶与生活", "{nick}的美妆柜", "跟着{nick}买", "{nick}的精选好货",
]
FIXED_NAMES = ["宝妈精选铺", "小雨的好物分享", "阿杰的零食仓", "吃货研究所", "好茶一盏",
               "居家收纳小站", "学生党省钱铺", "健身补给站", "数码控的百宝箱", "周末厨房"]
INTRODUCTIONS = [
    "只分享自己用过、家人用过的好东西，正品有保障。",
    "宝妈一枚，母婴和家居好物都在这里。",
    "好吃不贵，零食控的快乐源泉。",
    "每周上新，挑的都是回购三次以上的。",
    "认真选品，不好用的不上架。",
    "品牌直供，假一赔十，放心买。",
    "上班族的效率好物和下午茶。",
    "",
]


def _store_name(rng: random.Random, owner: User, used: set[str]) -> str:
    spare = [n for n in FIXED_NAMES if n not in used]
    if spare and rng.random() < 0.3:
        name = rng.choice(spare)
    else:
        name = rng.choice(NAME_PATTERNS).format(nick=owner.nickname)
    name = name[: services.NAME_MAX]
    used.add(name)
    return name


def build(rng: random.Random, *, owners: list[User], products: list[Product]) -> list[Store]:
    """Open a store for each owner (30+ in the demo) with 5-15 visible products, some featured."""
    pool = list(products_visible().filter(pk__in=[p.pk for p in products])
                .order_by("pk").values_list("pk", flat=True))
    used: set[str] = set()
    stores: list[Store] = []
    items: list[StoreItem] = []
    for owner in owners:
        store = services.store_open(owner=owner, name=_store_name(rng, owner, used),
                                    introduction=rng.choice(INTRODUCTIONS))
        if rng.random() < 0.7:
            store.avatar.save(f"demo-{store.pk}.jpg",
                              ContentFile(identicon(f"store-{store.pk}-{store.name}")), save=True)
        picked = rng.sample(pool, min(len(pool), rng.randint(5, 15)))
        featured = set(rng.sample(picked, min(len(picked), rng.randint(0, 3))))
        items.extend(StoreItem(store=store, product_id=product_id, position=position,
                               featured=product_id in featured)
                     for position, product_id in enumerate(picked))
        stores.append(store)
    StoreItem.objects.bulk_create(items, batch_size=500)
    return stores
