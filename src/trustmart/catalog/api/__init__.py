"""REST endpoints of the catalog at /api/catalog/: public reads, the merchant console, operators.

Each handler parses, calls one service or selector, and presents the result. Another merchant's
product, SKU, batch, image or certificate is 404; so is every operator endpoint for anyone who is
not an operator.
"""

from __future__ import annotations

from ninja import Router

from .files import router as files_router
from .merchant import router as merchant_router
from .ops import router as ops_router
from .public import router as public_router

router = Router(tags=["catalog"])
router.add_router("", public_router)
router.add_router("", files_router)
router.add_router("/merchant", merchant_router)
router.add_router("/ops", ops_router)

__all__ = ["router"]
