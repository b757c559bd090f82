"""Pages of the H5 shell: home, discover, cart and language. Each reads through selectors."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from trustmart.accounts import selectors as account_selectors
from trustmart.accounts.models import User
from trustmart.catalog import selectors as catalog_selectors
from trustmart.core.errors import DomainError
from trustmart.orders.views import cart as orders_views
from trustmart.payments import wechat_oa

HOME_PRODUCTS = 10


def _viewer(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None


def home(request: HttpRequest) -> HttpResponse:
    products = catalog_selectors.product_card_qs().order_by("-sales_count", "-pk")[:HOME_PRODUCTS]
    return render(request, "web/home.html", {
        "categories": catalog_selectors.categories_tree(),
        "products": products,
        "people": account_selectors.users_to_discover(viewer=_viewer(request), limit=6),
    })


def discover(request: HttpRequest) -> HttpResponse:
    newest = catalog_selectors.product_card_qs().order_by("-published_at", "-pk")[:HOME_PRODUCTS]
    return render(request, "web/discover.html", {
        "categories": catalog_selectors.categories_tree(),
        "products": newest,
        "people": account_selectors.users_to_discover(viewer=_viewer(request), limit=20),
    })


def cart(request: HttpRequest) -> HttpResponse:
    return orders_views.cart_page(request)


def language(request: HttpRequest) -> HttpResponse:
    return render(request, "web/language.html")


@require_GET
def wechat_jssdk(request: HttpRequest) -> HttpResponse:
    """``wx.config`` for a page of this site (``?url=``, without its fragment), so the page can
    set its WeChat share card. Pages of other sites are not signed (404)."""
    url = request.GET.get("url", "")
    if urlsplit(url).netloc != request.get_host():
        return JsonResponse({"code": "not_found"}, status=404)
    try:
        return JsonResponse(wechat_oa.jssdk_config(url=url))
    except DomainError as exc:
        return JsonResponse({"code": exc.code}, status=exc.status)
