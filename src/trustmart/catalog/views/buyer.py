"""Buyer pages: the product page (/p/<id>/) and category browsing (/c/<slug>/).

The product page's body is the same for every viewer and is cached (keys and versions in
``selectors.page_cache``); the frame around it (share earning, the add-to-cart form with its
CSRF token, the tab bar with the cart badge) is rendered per request. For visitors who are not
logged in the whole page is the same but for the CSRF token, so it is kept whole with a random
slot that each visitor's own token replaces.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from trustmart.core.http import domain_errors

from .. import selectors
from ._common import int_or_none

PAGE_SIZE = 20
ORDERS = ("default", "newest", "price", "price_desc")


# The cached body is split here: the share earning, shown to logged-in users only, goes between.
SHARE_SLOT = "<!--share-earning-->"


def _product_body(page: selectors.ProductPage) -> dict[str, Any]:
    """Render what every viewer sees the same: the article (``top`` and ``rest``, around the
    share earning) and the few values the live frame needs. No request, user or CSRF token."""
    sku_data = [{"id": s.pk, "specs": s.specs, "price_fen": s.price_fen, "stock": s.stock}
                for s in page.skus]
    chosen = next((s for s in page.skus if s.stock > 0), page.skus[0] if page.skus else None)
    names = [o.name for o in page.options]
    picker = [{"name": o.name, "values": [
        {"value": v, "selected": chosen is not None and chosen.specs.get(o.name) == v}
        for v in o.values]} for o in page.options]
    variants = [{"label": " · ".join(s.specs.get(n, "") for n in names), "price_fen": s.price_fen,
                 "stock": s.stock} for s in page.skus]
    html = render_to_string("catalog/_product_body.html", {
        "page": page, "product": page.product, "sku_data": sku_data, "chosen": chosen,
        "picker": picker, "variants": variants,
        "chosen_label": " · ".join(chosen.specs.get(n, "") for n in names) if chosen else "",
        "requires_batches": selectors.category_requires_batches(page.product.category),
        "today": timezone.localdate(),
    })
    top, rest = html.split(SHARE_SLOT, 1)
    product = page.product
    return {
        "top": top, "rest": rest, "product_id": product.pk, "name": product.name,
        "subtitle": product.subtitle, "price_min_fen": page.price_min_fen,
        "image_url": page.images[0].image.url if page.images else "",
        "share_earning_fen": page.share_earning_fen, "purchasable": page.purchasable,
        "chosen_sku_id": chosen.pk if chosen else None,
    }


def _cached_body(key: str, seconds: int, product_id: int,
                 found: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body kept under ``key`` (``found``: a ``get_many`` answer that asked for it), else
    rendered from the product page's queries and kept for ``seconds``."""
    body: dict[str, Any] | None = found.get(key) if found is not None else cache.get(key)
    if body is None:
        body = _product_body(selectors.product_page(product_id=product_id))
        cache.set(key, body, seconds)
    return body


def _render_page(request: HttpRequest, body: dict[str, Any],
                 csrf_slot: str | None = None) -> HttpResponse:
    context: dict[str, Any] = {
        # Rendered by our own template (_product_body.html), everything escaped there.
        "body": {**body, "top": mark_safe(body["top"]),  # noqa: S308
                 "rest": mark_safe(body["rest"])},  # noqa: S308
        "show_share_earning": request.user.is_authenticated and body["share_earning_fen"] > 0,
    }
    if csrf_slot is not None:
        context["csrf_token"] = csrf_slot  # instead of the context processor's token
    return render(request, "catalog/product_detail.html", context)


def _same_for_every_visitor(request: HttpRequest) -> bool:
    """A visitor who is not logged in, has no message waiting and came without a store sees
    the same page as every other such visitor, but for the CSRF token."""
    return (not request.user.is_authenticated and not request.GET.get("store")
            and not len(get_messages(request)))


@domain_errors
def product_detail(request: HttpRequest, product_id: int) -> HttpResponse:
    seconds = selectors.page_cache_seconds()
    if not seconds:
        return _render_page(request, _product_body(selectors.product_page(product_id=product_id)))
    key = selectors.product_page_cache_key(product_id=product_id, language=get_language())
    if not _same_for_every_visitor(request):
        return _render_page(request, _cached_body(key, seconds, product_id))
    # Visitors: the whole page, kept with a random slot where each one's own CSRF token goes.
    origin = f"{request.scheme}://{request.get_host()}"  # the page's absolute links
    page_key = f"{key}:visitor:{hashlib.blake2b(origin.encode(), digest_size=8).hexdigest()}"
    found = cache.get_many([page_key, key])
    if page_key in found:
        slot, html = found[page_key]
        return HttpResponse(html.replace(slot, get_token(request)))
    slot = secrets.token_hex(16)
    response = _render_page(request, _cached_body(key, seconds, product_id, found), slot)
    html = response.content.decode()
    cache.set(page_key, (slot, html), seconds)
    response.content = html.replace(slot, get_token(request)).encode()
    return response


def category_index(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/categories.html", {"tree": selectors.categories_tree()})


@domain_errors
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
