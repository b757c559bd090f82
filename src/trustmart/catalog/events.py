"""The events catalog publishes: a product approved for sale, and a SKU running low."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from trustmart.core.events import EventType, Payload


@dataclass(frozen=True)
class ProductApproved(Payload):
    """An operator approved a product: it is live (on sale while its merchant may sell)."""

    product_id: Annotated[int, "The product."]
    merchant_id: Annotated[int, "The merchant who lists it."]
    name: Annotated[str, "The product's name."]
    category_id: Annotated[int, "Its category."]


@dataclass(frozen=True)
class StockLow(Payload):
    """A SKU's stock fell to the low-stock threshold or below (once per fall)."""

    sku_id: Annotated[int, "The SKU."]
    product_id: Annotated[int, "Its product."]
    merchant_id: Annotated[int, "The merchant who stocks it."]
    product_name: Annotated[str, "The product's name."]
    spec_key: Annotated[str, "The SKU's specs, e.g. 规格:250g (empty for a single SKU)."]
    stock: Annotated[int, "Units left right after the fall."]
    threshold: Annotated[int, "The threshold in force (CATALOG_LOW_STOCK_THRESHOLD)."]


PRODUCT_APPROVED = EventType("product.approved", ProductApproved)
STOCK_LOW = EventType("stock.low", StockLow)
