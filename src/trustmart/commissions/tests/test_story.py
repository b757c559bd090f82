"""A → B → C through the real sharing services: A shares a product, B arrives through it and
re-shares, C arrives through B's share and buys. B earns level 1, A level 2; after settlement
B withdraws. The clearing account nets to zero and the ledger is sound."""

from __future__ import annotations

import pytest

from trustmart.accounts.models import User
from trustmart.commissions import services
from trustmart.commissions.models import Commission
from trustmart.ledger.selectors import ledger_check
from trustmart.orders import services as order_services
from trustmart.sharing import services as sharing_services
from trustmart.sharing.models import Share

from .conftest import ADDRESS, World, available, clearing, pending

pytestmark = pytest.mark.django_db


def test_a_shares_b_reshares_c_buys(world: World, operator: User) -> None:
    services.policy_change(user=operator, level2_enabled=True, level2_bps=300)
    product = world.sku.product_id
    share_a = sharing_services.share_create(user=world.a, target=Share.Target.PRODUCT,
                                            product_id=product, channel="wechat_moments")
    sharing_services.visit_record(code=share_a.code, channel="wechat_moments", visitor=world.b,
                                  device_id="phone-b")
    share_b = sharing_services.share_create(user=world.b, target=Share.Target.PRODUCT,
                                            product_id=product, channel="wechat_friend",
                                            parent_code=share_a.code)
    assert share_b.parent == share_a and share_b.store == world.store_b
    sharing_services.visit_record(code=share_b.code, channel="wechat_friend", visitor=world.c,
                                  device_id="phone-c")

    address = order_services.address_create(user=world.c, **ADDRESS)  # type: ignore[arg-type]
    order_services.cart_line_add(user=world.c, sku_id=world.sku.pk, quantity=2,
                                 share_code=share_b.code)
    checkout = order_services.checkout_create(buyer=world.c, address_id=address.pk)
    with world.events():
        order_services.checkout_paid(checkout_no=checkout.checkout_no,
                                     amount_fen=checkout.total_fen, payment_ref="story")
    order = checkout.orders.get()
    got = {c.level: c for c in Commission.objects.filter(order_no=order.order_no)}
    # 20000 paid: B 10% = 2000, A 3% = 600. C paid right after the visit: flagged.
    assert (got[1].earner, got[1].amount_fen) == (world.b, 2000)
    assert (got[2].earner, got[2].amount_fen) == (world.a, 600)
    assert got[1].channel == "wechat_friend"
    assert got[1].review_reasons == ["fast_click_to_pay"]
    assert pending(world.b) == 2000 and pending(world.a) == 600
    for commission in got.values():
        services.commission_approve(user=operator, commission_id=commission.pk)

    world.settle(order)
    assert available(world.b) == 2000 and available(world.a) == 600
    assert clearing() == 0
    services.commission_withdraw(user=world.b, amount_fen=2000, request_id="story")
    assert available(world.b) == 0
    assert ledger_check() == []
