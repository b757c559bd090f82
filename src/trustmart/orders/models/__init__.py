"""Orders' tables: the cart side (addresses, shipping rules, cart lines) and the order side
(checkouts, orders, lines, timelines)."""

from .cart import Address, CartLine, ShippingRule
from .order import (
           CHECKOUT_STATES,
           ORDER_STATES,
           TRANSITIONS,
           Checkout,
           Order,
           OrderEvent,
           OrderLine,
)

__all__ = ["CHECKOUT_STATES", "ORDER_STATES", "TRANSITIONS", "Address", "CartLine", "Checkout",
           "Order", "OrderEvent", "OrderLine", "ShippingRule"]
