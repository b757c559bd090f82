from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog import selectors, services
from trustmart.catalog.models import Batch, Product, Sku
from trustmart.core.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db


def test_batch_expiry_is_computed(seller: User, draft: Product) -> None:
    batch = services.batch_add(user=seller, product_id=draft.pk, batch_no="LJ-2026-03",
                               production_date=date(2026, 3, 20), shelf_life_days=540,
                               quantity=2000)
    assert batch.expires_on == date(2027, 9, 11)


def test_batch_bad_input_saves_nothing(seller: User, draft: Product) -> None:
    today = timezone.localdate()
    cases: list[tuple[dict[str, object], str]] = [
        ({"production_date": today + timedelta(days=1)}, "batch_in_future"),
        ({"shelf_life_days": 0}, "invalid_shelf_life"),
        ({"batch_no": "批次 1"}, "invalid_batch_no"),
        ({"batch_no": "B20260101"}, "duplicate_batch_no"),  # the factory's batch
    ]
    before = Batch.objects.count()
    for overrides, code in cases:
        fields: dict[str, object] = {"batch_no": "NEW-1", "production_date": today,
                                     "shelf_life_days": 30, **overrides}
        with pytest.raises(DomainError) as caught:
            services.batch_add(user=seller, product_id=draft.pk, **fields)  # type: ignore[arg-type]
        assert caught.value.code == code
    assert Batch.objects.count() == before


def test_fefo_and_expired_batches_do_not_sell(seller: User, live: Product) -> None:
    today = timezone.localdate()
    Batch.objects.filter(product=live).delete()
    services.batch_add(user=seller, product_id=live.pk, batch_no="OLD",
                       production_date=today - timedelta(days=400), shelf_life_days=365)
    later = services.batch_add(user=seller, product_id=live.pk, batch_no="NEW",
                               production_date=today - timedelta(days=10), shelf_life_days=365)
    sooner = services.batch_add(user=seller, product_id=live.pk, batch_no="MID",
                                production_date=today - timedelta(days=200), shelf_life_days=365)
    live = selectors.product_visible_get(product_id=live.pk)
    assert selectors.batch_sellable(product=live) == sooner
    assert selectors.product_purchasable(product=live)
    with time_machine.travel(sooner.expires_on, tick=False):
        assert selectors.batch_sellable(product=live) == later
    with time_machine.travel(later.expires_on + timedelta(days=1), tick=False):
        assert selectors.batch_sellable(product=live) is None
        assert not selectors.product_purchasable(product=live)
        assert not selectors.product_page(product_id=live.pk).purchasable


def test_stock_adjust_never_goes_negative(seller: User, draft: Product) -> None:
    sku = draft.skus.get(spec_key="规格:250g")
    assert services.sku_stock_adjust(user=seller, sku_id=sku.pk, delta=-10).stock == 0
    with pytest.raises(Conflict) as caught:
        services.sku_stock_adjust(user=seller, sku_id=sku.pk, delta=-1)
    assert caught.value.code == "stock_insufficient"
    with pytest.raises(DomainError):
        services.sku_stock_set(user=seller, sku_id=sku.pk, stock=-5)
    sku.refresh_from_db()
    assert sku.stock == 0


def test_take_and_return(draft: Product) -> None:
    sku = draft.skus.get(spec_key="规格:250g")
    assert services.sku_stock_take(sku_id=sku.pk, quantity=7)
    assert not services.sku_stock_take(sku_id=sku.pk, quantity=4)
    assert services.sku_stock_take(sku_id=sku.pk, quantity=3)
    sku.refresh_from_db()
    assert sku.stock == 0
    services.sku_stock_return(sku_id=sku.pk, quantity=2)
    sku.refresh_from_db()
    assert sku.stock == 2
    with pytest.raises(DomainError):
        services.sku_stock_take(sku_id=sku.pk, quantity=0)
    Sku.objects.filter(pk=sku.pk).update(is_active=False)
    assert not services.sku_stock_take(sku_id=sku.pk, quantity=1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_buyers_race_for_ten_units(seller: User, draft: Product) -> None:
    assert connection.vendor == "postgresql"
    sku = draft.skus.get(spec_key="规格:250g")
    Sku.objects.filter(pk=sku.pk).update(stock=10)
    barrier = threading.Barrier(20)
    results: list[bool] = []
    lock = threading.Lock()

    def buy() -> None:
        try:
            barrier.wait()
            taken = services.sku_stock_take(sku_id=sku.pk, quantity=1)
            with lock:
                results.append(taken)
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sku.refresh_from_db()
    assert len(results) == 20
    assert results.count(True) == 10
    assert sku.stock == 0
