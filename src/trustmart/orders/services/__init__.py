"""Writes of the orders app. ``cart``: the address book, shipping rules and the cart;
``checkout``: checkout, payment and cancellation; ``transitions``: the order state machine."""

from .aftersale import (
    order_case_close,
    order_case_open,
    order_line_commission_set,
    order_refund,
)
from .cart import (
    MAX_LINE_QUANTITY,
    address_create,
    address_delete,
    address_set_default,
    address_update,
    cart_line_add,
    cart_line_remove,
    cart_line_update,
    shipping_rule_set,
)
from .checkout import checkout_create, checkout_expire_due, checkout_paid, order_cancel
from .transitions import (
    order_confirm_receipt,
    order_ship,
    order_stock_return,
    order_transition,
    orders_auto_confirm_due,
)

__all__ = [
    "MAX_LINE_QUANTITY",
    "address_create",
    "address_delete",
    "address_set_default",
    "address_update",
    "cart_line_add",
    "cart_line_remove",
    "cart_line_update",
    "checkout_create",
    "checkout_expire_due",
    "checkout_paid",
    "order_cancel",
    "order_case_close",
    "order_case_open",
    "order_confirm_receipt",
    "order_line_commission_set",
    "order_refund",
    "order_ship",
    "order_stock_return",
    "order_transition",
    "orders_auto_confirm_due",
    "shipping_rule_set",
]
