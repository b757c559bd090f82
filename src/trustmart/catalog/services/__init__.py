"""Every write to the catalog, one module per part of a product's life.

``products``: create and edit. ``skus``: spec options, SKUs, prices and stock (including
``sku_stock_take``/``sku_stock_return`` for orders). ``media``: images and certificates.
``batches``: production batches. ``review``: submit, operator decisions, revisions, commission
bounds. ``revisions``: how changes to a live product wait for review. ``page_cache``: telling
the product page's cache that a page changed (every write above that a buyer sees calls it;
the reviews app calls it too). Import from here:
``from trustmart.catalog.services import product_create``.
"""

from ._common import clean_description
from .batches import batch_add, batch_delete
from .media import (
    certificate_add,
    certificate_delete,
    product_image_add,
    product_image_add_bytes,
    product_image_delete,
    product_images_reorder,
)
from .page_cache import merchant_pages_changed, product_page_changed
from .products import UNSET, product_create, product_update
from .review import (
    TRANSITIONS,
    commission_bounds_check,
    commission_bounds_set,
    product_approve,
    product_reject,
    product_submit,
    product_take_down,
    revision_approve,
    revision_reject,
    revision_withdraw,
)
from .skus import (
    SkuInput,
    SpecOptionInput,
    product_skus_define,
    sku_matrix,
    sku_stock_adjust,
    sku_stock_return,
    sku_stock_set,
    sku_stock_take,
    sku_update,
    spec_key_of,
)

__all__ = [
    "TRANSITIONS",
    "UNSET",
    "SkuInput",
    "SpecOptionInput",
    "batch_add",
    "batch_delete",
    "certificate_add",
    "certificate_delete",
    "clean_description",
    "commission_bounds_check",
    "commission_bounds_set",
    "merchant_pages_changed",
    "product_approve",
    "product_create",
    "product_image_add",
    "product_image_add_bytes",
    "product_image_delete",
    "product_images_reorder",
    "product_page_changed",
    "product_reject",
    "product_skus_define",
    "product_submit",
    "product_take_down",
    "product_update",
    "revision_approve",
    "revision_reject",
    "revision_withdraw",
    "sku_matrix",
    "sku_stock_adjust",
    "sku_stock_return",
    "sku_stock_set",
    "sku_stock_take",
    "sku_update",
    "spec_key_of",
]
