"""The order state machine, checked with the shared helper on real orders."""

from __future__ import annotations

from trustmart.accounts.models import User
from trustmart.catalog.models import Sku
from trustmart.core.testing import assert_state_machine
from trustmart.orders import services
from trustmart.orders.models import CHECKOUT_STATES, ORDER_STATES, Checkout, Order, OrderEvent

from .test_services import add_address


def test_every_declared_move_wins_and_every_other_is_refused(buyer: User, sku: Sku) -> None:
    address = add_address(buyer)
    Sku.objects.filter(pk=sku.pk).update(stock=1000)

    def make() -> Order:
        services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
        checkout = services.checkout_create(buyer=buyer, address_id=address.pk)
        return checkout.orders.get()

    assert_state_machine(ORDER_STATES, make, initial=[Order.Status.AWAITING_PAYMENT],
                         record=lambda source, target: {"kind": f"{source}>{target}"})
    recorded = set(OrderEvent.objects.exclude(kind="created")
                   .values_list("from_status", "to_status", "kind"))
    assert recorded == {(s, t, f"{s}>{t}") for s, t in ORDER_STATES.pairs()}


def test_checkout_moves(buyer: User, sku: Sku) -> None:
    address = add_address(buyer)
    Sku.objects.filter(pk=sku.pk).update(stock=1000)

    def make() -> Checkout:
        services.cart_line_add(user=buyer, sku_id=sku.pk, quantity=1)
        return services.checkout_create(buyer=buyer, address_id=address.pk)

    assert_state_machine(CHECKOUT_STATES, make, initial=[Checkout.Status.AWAITING_PAYMENT])
