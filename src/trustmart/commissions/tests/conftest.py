"""A small world for commission tests: a merchant's product at 10% commission, store owners
A and B (B re-shared A's share), buyer C, and helpers that drive real orders through it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from trustmart.accounts.models import Role, User
from trustmart.catalog.models import Sku
from trustmart.catalog.tests.factories import make_category, make_live_product, make_merchant
from trustmart.ledger.models import Purpose
from trustmart.ledger.selectors import account_find
from trustmart.merchants.models import Merchant
from trustmart.orders import services as order_services
from trustmart.orders import settlement
from trustmart.orders.models import Order
from trustmart.payments.tests.helpers import verified_account
from trustmart.sharing.models import Channel, Share
from trustmart.stores import services as store_services
from trustmart.stores.models import Store

PRICE_FEN = 10_000
COMMISSION_BPS = 1000
_codes = itertools.count(1)

ADDRESS = {"recipient_name": "张三", "mobile": "13911112222", "province": "浙江",
           "city": "杭州市", "district": "西湖区", "detail": "文三路 1 号"}


@dataclass
class World:
    merchant: Merchant
    sku: Sku
    a: User
    b: User
    c: User
    store_a: Store
    store_b: Store
    share_a: Share
    share_b: Share
    capture: Callable[..., AbstractContextManager[Any]] | None = field(default=None, repr=False)

    @contextmanager
    def events(self) -> Iterator[None]:
        """Deliver the events published inside, as a real commit would (inline mode)."""
        if self.capture is None:  # transactional tests: commits really happen
            yield
            return
        with self.capture(execute=True):
            yield

    def buy(self, *, buyer: User | None = None, share: Share | None = None, quantity: int = 1,
            address: dict[str, str] | None = None) -> Order:
        buyer = buyer or self.c
        share = share or self.share_b
        addr = order_services.address_create(user=buyer, **(address or ADDRESS))  # type: ignore[arg-type]
        order_services.cart_line_add(user=buyer, sku_id=self.sku.pk, quantity=quantity,
                                     store_id=share.store_id, share_code=share.code)
        checkout = order_services.checkout_create(buyer=buyer, address_id=addr.pk)
        with self.events():
            assert order_services.checkout_paid(checkout_no=checkout.checkout_no,
                                                amount_fen=checkout.total_fen,
                                                payment_ref=f"t-{checkout.checkout_no}")
        return checkout.orders.get()

    def settle(self, order: Order) -> Order:
        order_services.order_ship(order_no=order.order_no)
        order_services.order_confirm_receipt(order_no=order.order_no)
        later = timezone.now() + timedelta(days=settings.ORDER_AFTER_SALE_DAYS, minutes=1)
        with time_machine.travel(later, tick=False), self.events():
            assert settlement.order_settle(order_no=order.order_no)
        order.refresh_from_db()
        return order


def share_of(user: User, store: Store, sku: Sku, parent: Share | None = None,
             channel: str = Channel.WECHAT_MOMENTS) -> Share:
    return Share.objects.create(
        code=f"t{next(_codes):06d}", sharer=user, target=Share.Target.PRODUCT,
        product=sku.product, store=store, channel=channel, parent=parent,
        root=(parent.root or parent) if parent else None,
        depth=parent.depth + 1 if parent else 0)


def open_store(user: User, sku: Sku, name: str) -> Store:
    store = store_services.store_open(owner=user, name=name)
    store_services.store_item_add(owner=user, product_id=sku.product_id)
    return store


def make_world(make_user: Callable[..., User], operator: User,
               capture: Callable[..., AbstractContextManager[Any]] | None) -> World:
    food = make_category("food", name="食品", licence=True, batches=True)
    tea = make_category("tea", name="茶叶", parent=food)
    seller = make_user("王建国", roles=(Role.MERCHANT_STAFF,))
    merchant = make_merchant(seller, categories=[food])
    product = make_live_product(seller, merchant, tea, operator, price_fen=PRICE_FEN, stock=500,
                                purchase_limit=None, commission_bps=COMMISSION_BPS)
    sku = product.skus.order_by("pk").first()
    assert sku is not None
    a, b, c = make_user("店主甲"), make_user("店主乙"), make_user("买家丙")
    for owner in (a, b):  # store owners withdraw to their own (sandbox) WeChat 零钱
        verified_account(owner_type="user", owner_id=owner.pk, user=owner)
    store_a, store_b = open_store(a, sku, "甲的小店"), open_store(b, sku, "乙的小店")
    share_a = share_of(a, store_a, sku)
    share_b = share_of(b, store_b, sku, parent=share_a, channel=Channel.WECHAT_FRIEND)
    return World(merchant, sku, a, b, c, store_a, store_b, share_a, share_b, capture)


@pytest.fixture
def world(make_user: Callable[..., User], operator: User,
          django_capture_on_commit_callbacks: Callable[..., AbstractContextManager[Any]]
          ) -> World:
    return make_world(make_user, operator, django_capture_on_commit_callbacks)


def balance(owner_type: str, owner_id: int | None, purpose: str) -> int:
    account = account_find(owner_type=owner_type, owner_id=owner_id, purpose=purpose)
    return account.balance_fen if account is not None else 0


def pending(user: User) -> int:
    account = account_find(owner_type="user", owner_id=user.pk,
                           purpose=Purpose.COMMISSION_AVAILABLE)
    return account.credits_pending_fen if account is not None else 0


def available(user: User) -> int:
    """What the store owner can withdraw: the available balance, less payouts under way."""
    account = account_find(owner_type="user", owner_id=user.pk,
                           purpose=Purpose.COMMISSION_AVAILABLE)
    return account.available_fen if account is not None else 0


def clearing() -> int:
    return balance("platform", None, Purpose.COMMISSION_CLEARING)
