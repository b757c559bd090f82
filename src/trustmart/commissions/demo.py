"""Demo commissions, through the real services.

The orders demo settles its orders inside the demo's one transaction, before the order events
are delivered, so its completed orders carried no commission reserve. Here:

* every demo order still in escrow (paid, shipped, received) through a store gets its pending
  commissions from ``commissions_create_for_order``, as the ``order.paid`` handler would;
* a few new orders are bought through the first stores, received and settled with the real
  settlement, then released (``commissions_release_for_order``, the ``order.settled`` path):
  available commission the store owners can withdraw;
* one order is delivered to its store owner's own mobile number: flagged, in the operator's
  review queue.

Deterministic from ``rng``. The events delivered after the demo's commit find everything done.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.errors import DomainError
from trustmart.orders import services as order_services
from trustmart.orders.models import Order
from trustmart.orders.settlement import order_settle
from trustmart.stores.models import Store, StoreItem

from .models import Commission
from .services import commissions_create_for_order, commissions_release_for_order

PLACES = (("浙江", "杭州市", "西湖区", "文三路 90 号"),
          ("上海", "上海市", "徐汇区", "漕溪北路 18 号"),
          ("广东", "深圳市", "南山区", "科技园南路 6 号"))


def _sku_of(store: Store, buyer: User) -> Sku | None:
    for item in StoreItem.objects.filter(store=store).select_related("product__merchant") \
            .order_by("position", "pk"):
        if item.product.merchant.owner_id == buyer.pk or item.product.commission_bps == 0:
            continue
        sku = Sku.objects.filter(product=item.product, is_active=True, stock__gt=2) \
            .order_by("pk").first()
        if sku is not None:
            return sku
    return None


def _buy(rng: random.Random, buyer: User, store: Store, *, mobile: str | None = None
         ) -> Order | None:
    sku = _sku_of(store, buyer)
    if sku is None:
        return None
    province, city, district, detail = rng.choice(PLACES)
    try:
        address = order_services.address_create(
            user=buyer, recipient_name=buyer.nickname[:30] or "买家",
            mobile=mobile or f"139{rng.randrange(10**7, 10**8)}", province=province, city=city,
            district=district, detail=detail)
        line = order_services.cart_line_add(user=buyer, sku_id=sku.pk, store_id=store.pk)
        checkout = order_services.checkout_create(buyer=buyer, address_id=address.pk,
                                                  line_ids=[line.pk])
        order_services.checkout_paid(checkout_no=checkout.checkout_no,
                                     amount_fen=checkout.total_fen,
                                     payment_ref=f"demo-commission-{checkout.checkout_no}")
    except DomainError:
        return None
    order = checkout.orders.get()
    commissions_create_for_order(order_no=order.order_no)
    return order


def _settle(order: Order) -> None:
    order_services.order_ship(order_no=order.order_no)
    order_services.order_confirm_receipt(order_no=order.order_no)
    Order.objects.filter(pk=order.pk).update(settle_due_at=timezone.now() - timedelta(minutes=1))
    if order_settle(order_no=order.order_no):
        lines = [{"line_id": pk, "commission_fen": fen} for pk, fen
                 in order.lines.values_list("pk", "commission_fen")]
        commissions_release_for_order(order_no=order.order_no, lines=lines)


def build(rng: random.Random, *, buyers: list[User], stores: list[Store]) -> dict[str, int]:
    for order_no in Order.objects.filter(
            status__in=(Order.Status.PAID, Order.Status.SHIPPED, Order.Status.RECEIVED),
            lines__store__isnull=False).distinct().order_by("pk").values_list("order_no",
                                                                              flat=True):
        commissions_create_for_order(order_no=order_no)
    open_stores = [s for s in stores if s.status == Store.Status.OPEN][:4]
    for n, store in enumerate(open_stores):
        candidates = [b for b in buyers if b.pk != store.owner_id]
        for buyer in rng.sample(candidates, min(2, len(candidates))):
            order = _buy(rng, buyer, store)
            if order is not None and n < 3:
                _settle(order)
    if open_stores and buyers:
        store = open_stores[0]
        buyer = next(b for b in buyers if b.pk != store.owner_id)
        _buy(rng, buyer, store, mobile=store.owner.mobile)  # 刷单 suspicion: flagged
    return {status: Commission.objects.filter(status=status).count()
            for status in Commission.Status.values} | {
        "flagged": Commission.objects.filter(review_status=Commission.Review.FLAGGED).count()}


def build_payouts(store_owner: User) -> list[int]:
    """The demo store owner's money out: a WeChat 零钱 payout account (the sandbox's openid), a
    withdrawal to it (paid after the demo's commit), and a second one to an Alipay account the
    sandbox refuses, so the failed payout and its money back to the balance show too."""
    from trustmart.ledger.models import Purpose
    from trustmart.ledger.selectors import account_find
    from trustmart.payments import services as payments

    from .services import commission_withdraw, policy_current

    wechat = payments.payout_account_wechat_bind(user=store_owner, real_name="陈美丽")
    refused = payments.payout_account_alipay_set(
        user=store_owner, login_id="fail.demo@example.com",
        login_id_again="fail.demo@example.com", real_name="陈美丽", confirmed=True)
    account = account_find(owner_type="user", owner_id=store_owner.pk,
                           purpose=Purpose.COMMISSION_AVAILABLE)
    minimum = policy_current().withdrawal_min_fen
    if account is None or account.available_fen < 2 * minimum:
        return []
    done = []
    for request_id, payout_account in (("demo-wechat", wechat), ("demo-refused", refused)):
        withdrawal = commission_withdraw(user=store_owner, amount_fen=minimum,
                                         request_id=request_id, account_id=payout_account.pk)
        done.append(withdrawal.pk)
    return done
