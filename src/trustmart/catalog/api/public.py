"""Public catalog reads: the category tree, visible products and a product's full detail."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from .. import selectors
from ..models import Product
from .schemas import (
    CategoryOut,
    ProductCardOut,
    ProductDetailOut,
    category_out,
    product_detail,
)

router = Router(tags=["catalog"])


@router.get("/categories", response=list[CategoryOut], auth=None,
            summary="The category tree (active categories)")
def categories(request: HttpRequest) -> list[CategoryOut]:
    return [category_out(c) for c in selectors.categories_tree()]


@router.get("/products", response=list[ProductCardOut], auth=None,
            summary="Products buyers may see, optionally in a category (slug) and its children")
@paginate
def product_list(request: HttpRequest, category: str | None = None,
                 order: str = "default") -> QuerySet[Product]:
    node = selectors.category_by_slug(slug=category) if category else None
    return selectors.products_in_category(category=node, order=order)


@router.get("/products/{product_id}", response=ProductDetailOut, auth=None,
            summary="A visible product with SKUs, traceability, batches, certificates, merchant")
def product_detail_view(request: HttpRequest, product_id: int) -> ProductDetailOut:
    return product_detail(selectors.product_page(product_id=product_id))


