"""REST endpoints of orders at /api/orders/: addresses, shipping rules and the cart
(``cart``), then checkouts and orders (``orders``), mounted in that order so that "/cart" and
"/addresses" match before "/{order_no}"."""

from __future__ import annotations

from ninja import Router

from . import cart, orders

# Both are mounted at /api/orders by the API root, the cart's first.
routers: tuple[Router, ...] = (cart.router, orders.router)

__all__ = ["routers"]
