from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.core.events import publish
from trustmart.sharing import demo, services
from trustmart.sharing.models import Binding, Share, ShareSale, Visit
from trustmart.stores.models import Store

pytestmark = pytest.mark.django_db


def _world(make_user: Callable[..., User], product_factory: Callable[..., Product],
           open_store: Callable[..., Store]) -> tuple[list[Store], list[Product], list[User]]:
    products = [product_factory(f"商品{n}") for n in range(4)]
    stores = [open_store(make_user(f"店主{n}"), *products[n % 2:n % 2 + 3]) for n in range(4)]
    crowd = [make_user(f"路人{n}") for n in range(8)] + [s.owner for s in stores[2:]]
    return stores, products, crowd


def _snapshot() -> list[tuple[Any, ...]]:
    return list(Share.objects.order_by("code").values_list("code", "channel", "depth"))


def test_demo_builds_deep_trees_deterministically(
        make_user: Callable[..., User], product_factory: Callable[..., Product],
        open_store: Callable[..., Store]) -> None:
    stores, products, crowd = _world(make_user, product_factory, open_store)
    roots = demo.build(random.Random(7), stores=stores, products=products, crowd=crowd)
    assert len(roots) == 4
    assert max(Share.objects.values_list("depth", flat=True)) >= 2
    assert len(set(Share.objects.values_list("channel", flat=True))) >= 3
    assert Visit.objects.count() >= 20 and Binding.objects.exists()
    first = _snapshot()
    Share.objects.all().delete()
    demo.build(random.Random(7), stores=stores, products=products, crowd=crowd)
    assert _snapshot() == first


def test_order_events_feed_the_tree(make_user: Callable[..., User], product: Product,
                                    django_capture_on_commit_callbacks: Any) -> None:
    share = services.share_create(user=make_user(), target="product", product_id=product.pk,
                                  channel="qq")
    lines = [{"line_id": 11, "paid_fen": 9_900, "store_id": None, "share_code": share.code,
              "commission_bps": 0},
             {"line_id": 12, "paid_fen": 100, "store_id": None, "share_code": "",
              "commission_bps": 0}]
    with django_capture_on_commit_callbacks(execute=True):
        publish("order.paid", {"order_no": "T1", "buyer_id": 1, "merchant_id": 1,
                               "total_fen": 10_000, "lines": lines})
    with django_capture_on_commit_callbacks(execute=True):
        publish("order.refunded", {"order_no": "T1", "checkout_no": "C1", "amount_fen": 9_900,
                                   "reason": "", "reference": "r1", "full": True,
                                   "lines": [{"line_id": 11, "refunded_fen": 9_900,
                                              "total_refunded_fen": 9_900, "paid_fen": 9_900,
                                              "commission_fen": 0}]})
    sale = ShareSale.objects.get()
    assert (sale.share, sale.order_no, sale.paid_fen, sale.refunded_fen) == (
        share, "T1", 9_900, 9_900)
