"""Buyer pages: the product page (/p/<id>/) and category browsing (/c/<slug>/)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .. import selectors
from ._common import int_or_none, not_found_on_missing

PAGE_SIZE = 20
ORDERS = ("default", "newest", "price", "price_desc")


@not_found_on_missing
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    page = selectors.product_page(product_id=product_id)
    sku_data = [{"id": s.pk, "specs": s.specs, "price_fen": s.price_fen, "stock": s.stock}
                for s in page.skus]
    chosen = next((s for s in page.skus if s.stock > 0), page.skus[0] if page.skus else None)
    names = [o.name for o in page.options]
    picker = [{"name": o.name, "values": [
        {"value": v, "selected": chosen is not None and chosen.specs.get(o.name) == v}
        for v in o.values]} for o in page.options]
    variants = [{"label": " · ".join(s.specs.get(n, "") for n in names), "price_fen": s.price_fen,
                 "stock": s.stock} for s in page.skus]
    return render(request, "catalog/product_detail.html", {
        "page": page, "product": page.product, "sku_data": sku_data, "chosen": chosen,
        "picker": picker, "variants": variants,
        "chosen_label": " · ".join(chosen.specs.get(n, "") for n in names) if chosen else "",
        "requires_batches": selectors.category_requires_batches(page.product.category),
        "today": timezone.localdate(),
        "show_share_earning": request.user.is_authenticated and page.share_earning_fen > 0,
    })


def category_index(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/categories.html", {"tree": selectors.categories_tree()})


@not_found_on_missing
def category_products(request: HttpRequest, slug: str) -> HttpResponse:
    category = selectors.category_by_slug(slug=slug)
    order = request.GET.get("order", "default")
    if order not in ORDERS:
        order = "default"
    paginator = Paginator(selectors.products_in_category(category=category, order=order),
                          PAGE_SIZE)
    products = paginator.get_page(int_or_none(request.GET.get("page")) or 1)
    context = {"category": category, "products": products, "order": order,
               "top": category.parent or category,
               "siblings": selectors.subcategories_of(category=category.parent or category)}
    if request.htmx and request.GET.get("page"):  # type: ignore[attr-defined]
        return render(request, "catalog/_product_grid_page.html", context)
    return render(request, "catalog/category.html", context)
