"""Demo share trees: store owners share their products, friends re-share them across channels
several levels deep, visitors click (some logged in, so they get bound to the sharer)."""

from __future__ import annotations

import random

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.stores.models import Store, StoreItem

from . import services
from .models import Channel, Share

CHANNELS = list(Channel.values)


def _code(rng: random.Random, share: Share) -> Share:
    """Give a demo share a code drawn from the demo's seed, so two builds match."""
    code = "".join(rng.choice(services.CODE_ALPHABET) for _ in range(services.CODE_LENGTH))
    if code.isdigit() or Share.objects.filter(code=code).exists():
        return share
    Share.objects.filter(pk=share.pk).update(code=code)
    share.code = code
    return share


def build(rng: random.Random, *, stores: list[Store], products: list[Product],
          crowd: list[User]) -> list[Share]:
    """About a dozen trees of 3-4 levels; a few hundred visits. Returns the root shares."""
    visible = {p.pk for p in products}
    roots: list[Share] = []
    devices = iter(range(1, 1_000_000))
    for store in stores[:12]:
        items = [pk for pk in StoreItem.objects.filter(store=store)
                 .values_list("product_id", flat=True) if pk in visible]
        if not items:
            continue
        root = _code(rng, services.share_create(
            user=store.owner, target="product", product_id=rng.choice(items),
            channel=rng.choice(CHANNELS), device_id=f"demo-device-{store.owner_id}"))
        roots.append(root)
        level = [root]
        for _depth in range(rng.randint(2, 3)):
            nxt: list[Share] = []
            for parent in level:
                for sharer in rng.sample(crowd, rng.randint(1, 2)):
                    if sharer.pk == parent.sharer_id:
                        continue
                    nxt.append(_code(rng, services.share_create(
                        user=sharer, target="product", product_id=parent.product_id,
                        channel=rng.choice(CHANNELS), parent_code=parent.code,
                        device_id=f"demo-device-{sharer.pk}")))
            level = nxt[:4]
        for share in [root, *Share.objects.filter(root=root)]:
            for _visit in range(rng.randint(1, 5)):
                visitor = rng.choice(crowd) if rng.random() < 0.3 else None
                services.visit_record(code=share.code, channel=share.channel, visitor=visitor,
                                      device_id=f"demo-visitor-{next(devices)}")
    store_share_owner = stores[-1] if stores else None
    if store_share_owner is not None and crowd:
        _code(rng, services.share_create(user=crowd[0], target="store",
                                         store_id=store_share_owner.pk,
                                         channel=Channel.WECHAT_MOMENTS))
    return roots
