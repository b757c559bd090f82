"""Reads of the orders app. ``cart``: addresses, shipping rules, the cart; ``orders``:
checkouts and orders for buyers, merchant staff and operators."""

from .cart import (
    CartItem,
    CartView,
    MerchantGroup,
    address_default,
    address_get,
    addresses_of_user,
    cart_count,
    cart_line_get,
    cart_view,
    shipping_rule_for_staff,
)
from .orders import (
    BUYER_TAB_LABELS,
    BUYER_TABS,
    MERCHANT_TAB_LABELS,
    MERCHANT_TABS,
    checkout_for_buyer,
    order_for_buyer,
    order_for_merchant_staff,
    order_for_operator,
    order_timeline,
    orders_for_operator,
    orders_of_buyer,
    orders_of_merchant,
)

__all__ = [
    "BUYER_TABS",
    "BUYER_TAB_LABELS",
    "MERCHANT_TABS",
    "MERCHANT_TAB_LABELS",
    "CartItem",
    "CartView",
    "MerchantGroup",
    "address_default",
    "address_get",
    "addresses_of_user",
    "cart_count",
    "cart_line_get",
    "cart_view",
    "checkout_for_buyer",
    "order_for_buyer",
    "order_for_merchant_staff",
    "order_for_operator",
    "order_timeline",
    "orders_for_operator",
    "orders_of_buyer",
    "orders_of_merchant",
    "shipping_rule_for_staff",
]
