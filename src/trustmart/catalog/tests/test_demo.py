from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog import demo, selectors
from trustmart.catalog.models import Batch, Category, Product

from .factories import make_merchant

pytestmark = pytest.mark.django_db


def test_category_tree() -> None:
    tops = demo.build_categories()
    assert list(tops) == ["beauty", "baby", "food", "apparel", "home", "digital"]
    assert tops["beauty"].deposit_fen == 2_000_000 and tops["apparel"].deposit_fen == 500_000
    assert tops["food"].requires_production_licence and tops["food"].requires_batches
    assert not tops["digital"].requires_batches
    children = Category.objects.filter(parent=tops["food"]).values_list("name", flat=True)
    assert {"茶叶", "坚果", "零食"} <= set(children)
    assert all(c.requires_batches for c in Category.objects.filter(parent=tops["baby"]))
    demo.build_categories()  # running twice changes nothing
    assert Category.objects.filter(slug="tea").count() == 1


def test_products_are_live_complete_and_deterministic(make_user: Callable[..., User],
                                                      operator: User) -> None:
    tops = demo.build_categories()
    merchants = [make_merchant(make_user(), categories=[tops[slug]], name=name)
                 for slug, name in (("food", "山水茶业"), ("baby", "暖暖母婴"),
                                    ("digital", "极光数码"))]
    products = demo.build_products(random.Random(7), merchants=merchants, operator=operator)
    assert len(products) >= 80
    assert selectors.products_visible().count() == len(products)
    names = [p.name for p in products]
    assert len(set(names)) == len(names)
    assert any(n.startswith("山水 明前龙井") for n in names)
    assert any(n.startswith("暖暖 婴儿纸尿裤") for n in names)
    tea = next(p for p in products if p.name.startswith("山水 明前龙井"))
    page = selectors.product_page(product_id=tea.pk)
    assert len(page.images) == 3 and page.certificates and page.current_batch
    assert page.product.production_licence_no.startswith("SC")
    assert all(s.price_fen > 0 for s in page.skus)
    today = timezone.localdate()
    assert not Batch.objects.filter(production_date__gt=today).exists()
    assert Batch.objects.filter(expires_on__lte=today).count() == 1  # one expired batch
    gadget = next(p for p in products if p.category.parent == tops["digital"])
    assert not Batch.objects.filter(product=gadget).exists()
    assert Product.objects.filter(sales_count__gt=0).exists()
