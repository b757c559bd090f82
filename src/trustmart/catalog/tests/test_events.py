"""The catalog's events: product.approved, and stock.low once per fall to the threshold."""

from __future__ import annotations

from typing import Any

from trustmart.accounts.models import User
from trustmart.catalog import services
from trustmart.catalog.models import Product, Sku
from trustmart.catalog.tests.factories import make_product
from trustmart.core.models import OutboxEvent
from trustmart.merchants.models import Merchant


def _events(name: str) -> list[dict[str, Any]]:
    return [e.payload for e in OutboxEvent.objects.filter(name=name).order_by("created_at")]


def test_approving_a_product_announces_it(seller: User, merchant: Merchant, tea: Any,
                                          operator: User) -> None:
    product = make_product(seller, merchant, tea)
    services.product_submit(user=seller, product_id=product.pk)
    assert _events("product.approved") == []
    services.product_approve(operator=operator, product_id=product.pk)
    assert _events("product.approved") == [{"product_id": product.pk,
                                            "merchant_id": merchant.pk, "name": product.name,
                                            "category_id": tea.pk}]


def test_stock_low_is_published_once_when_stock_falls_to_the_threshold(
        live: Product, seller: User, settings: Any) -> None:
    settings.CATALOG_LOW_STOCK_THRESHOLD = 5
    sku = live.skus.order_by("pk").first()
    assert sku is not None
    services.sku_stock_set(user=seller, sku_id=sku.pk, stock=8)
    assert services.sku_stock_take(sku_id=sku.pk, quantity=2)  # 6: still above
    assert _events("stock.low") == []
    assert services.sku_stock_take(sku_id=sku.pk, quantity=3)  # 3: crossed
    assert services.sku_stock_take(sku_id=sku.pk, quantity=1)  # 2: already low
    services.sku_stock_adjust(user=seller, sku_id=sku.pk, delta=-1)  # 1: already low
    [event] = _events("stock.low")
    assert event == {"sku_id": sku.pk, "product_id": live.pk, "merchant_id": live.merchant_id,
                     "product_name": live.name, "spec_key": sku.spec_key, "stock": 3,
                     "threshold": 5}
    services.sku_stock_set(user=seller, sku_id=sku.pk, stock=20)  # restocked
    services.sku_stock_adjust(user=seller, sku_id=sku.pk, delta=-15)  # 5: crossed again
    services.sku_update(user=seller, sku_id=sku.pk, stock=30)
    services.sku_update(user=seller, sku_id=sku.pk, stock=4)  # crossed a third time
    assert [e["stock"] for e in _events("stock.low")] == [3, 5, 4]
    assert Sku.objects.get(pk=sku.pk).stock == 4
    assert not services.sku_stock_take(sku_id=sku.pk, quantity=5)  # not enough: nothing moves
    assert Sku.objects.get(pk=sku.pk).stock == 4
