"""H5 pages for microstores. Thin: parse, call a service or selector, render the result or error.

The owner's pages have no store id in their URLs (like the API's "mine" routes), so there is
nothing to tamper with; another owner's item is not found.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.accounts.models import User
from trustmart.core.errors import DomainError, NotFound, invalid
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors

from . import selectors, services
from .forms import StoreForm
from .models import Store

STORE_PAGE_SIZE = 20
SUPPLY_PAGE_SIZE = 20


def _safe_path(request: HttpRequest, target: str | None, default: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


# --- the public store page ---------------------------------------------------------------------
@domain_errors
def store_page(request: HttpRequest, store_id: int) -> HttpResponse:
    store = selectors.store_public_get(store_id=store_id)
    page = Paginator(selectors.store_products_shown(store=store), STORE_PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {"store": store, "page": page, "is_owner": request.user.pk == store.owner_id}
    if request.htmx and page.number > 1:  # type: ignore[attr-defined]
        return render(request, "stores/_store_items_page.html", context)
    return render(request, "stores/store_page.html", context)


# --- 我的小店 ----------------------------------------------------------------------------------
def _dashboard_context(request: HttpRequest, store: Store) -> dict[str, object]:
    return {
        "store": store,
        "products": list(selectors.store_products_managed(store=store)),
        "hidden_count": selectors.store_items_hidden_count(store=store),
        "stats": selectors.store_stats(store=store),
        "share_url": request.build_absolute_uri(reverse("stores:page", args=[store.pk])),
    }


@login_required
def my_store(request: HttpRequest) -> HttpResponse:
    """The owner's dashboard, or, for a user without a store, the one-step open form."""
    user: User = request.user  # type: ignore[assignment]
    store = selectors.store_of(owner=user)
    if store is not None:
        return render(request, "stores/my_store.html", _dashboard_context(request, store))
    form = StoreForm(request.POST or None, request.FILES or None)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST" and form.is_valid():
        try:
            services.store_open(owner=user, name=form.cleaned_data["name"],
                                introduction=form.cleaned_data["introduction"],
                                avatar=form.cleaned_data.get("avatar"))
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Your store is open. Pick products to share!"))
            return redirect(_safe_path(request, next_url, reverse("stores:mine")))
    return render(request, "stores/open_store.html", {"form": form, "next": next_url})


@login_required
def my_store_edit(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    store = selectors.store_of(owner=user)
    if store is None:
        return redirect("stores:mine")
    if request.method == "POST":
        form = StoreForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.store_update(owner=user, name=form.cleaned_data["name"],
                                      introduction=form.cleaned_data["introduction"])
                if form.cleaned_data.get("avatar"):
                    services.store_avatar_set(owner=user, upload=form.cleaned_data["avatar"])
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Store saved."))
                return redirect("stores:mine")
    else:
        form = StoreForm(initial={"name": store.name, "introduction": store.introduction})
    return render(request, "stores/edit_store.html", {"form": form, "store": store})


@login_required
@require_POST
def my_store_status(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    try:
        if request.POST.get("action") == "close":
            services.store_close(owner=user)
            messages.success(request, _("Your store is closed. Reopen it any time."))
        else:
            services.store_reopen(owner=user)
            messages.success(request, _("Your store is open again."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("stores:mine")


@login_required
@require_POST
@domain_errors
def my_store_item(request: HttpRequest, product_id: int) -> HttpResponse:
    """htmx: move, feature or remove one item and answer with the whole list in its new order.

    An item that is not in the user's store (another owner's, or already removed) is a 404.
    """
    user: User = request.user  # type: ignore[assignment]
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            services.store_item_remove(owner=user, product_id=product_id)
        elif action in ("feature", "unfeature"):
            services.store_item_update(owner=user, product_id=product_id,
                                       featured=action == "feature")
        elif action in ("up", "down", "top"):
            services.store_item_move(owner=user, product_id=product_id,
                                     direction=action)  # type: ignore[arg-type]
        else:
            raise invalid("action", _("Unknown action."), code="invalid_action")
    except NotFound:
        raise
    except DomainError as exc:
        if not request.htmx:  # type: ignore[attr-defined]
            messages.error(request, str(exc.message))
            return redirect("stores:mine")
        context = _dashboard_context(request, selectors.store_mine_get(owner=user))
        return render(request, "stores/_my_items.html", {**context, "error": exc.message},
                      status=exc.status)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("stores:mine")
    store = selectors.store_mine_get(owner=user)
    return render(request, "stores/_my_items.html", _dashboard_context(request, store))


# --- 一键代销 button, on product pages and supply cards ------------------------------------------
def _button_context(request: HttpRequest, product_id: int, *, in_store: bool | None = None,
                    has_store: bool | None = None) -> dict[str, object]:
    user = request.user
    current = request.headers.get("HX-Current-URL", "")
    parts = urlsplit(current)
    back = parts.path + (f"?{parts.query}" if parts.query else "") if current else ""
    back = _safe_path(request, back, reverse("catalog:product", args=[product_id]))
    if has_store is None:
        has_store = user.is_authenticated and selectors.store_of(owner=user) is not None
    if in_store is None:
        in_store = has_store and product_id in selectors.store_product_ids(owner=user)
    return {"product_id": product_id, "anonymous": not user.is_authenticated,
            "has_store": has_store, "in_store": in_store, "back": back}


def item_button(request: HttpRequest, product_id: int) -> HttpResponse:
    """GET: the button for this user and product. POST action=add|remove: do it, answer with the
    new button (and the reason, if refused)."""
    if request.method == "POST":
        if not request.user.is_authenticated:
            return HttpResponse(status=401)
        user: User = request.user
        error = None
        try:
            if request.POST.get("action") == "remove":
                services.store_item_remove(owner=user, product_id=product_id)
            else:
                services.store_item_add(owner=user, product_id=product_id)
        except DomainError as exc:
            # Removing what is already gone needs no complaint: the button just catches up.
            if exc.code != "store_item_not_found":
                error = exc.message
        context = _button_context(request, product_id)
        context["error"] = error
        return render(request, "stores/_item_button.html", context)
    return render(request, "stores/_item_button.html", _button_context(request, product_id))


# --- supply catalog (选品) ----------------------------------------------------------------------
def supply(request: HttpRequest) -> HttpResponse:
    category = selectors.supply_category_get(slug=request.GET.get("category", ""))
    page = Paginator(selectors.supply_products(category=category),
                     SUPPLY_PAGE_SIZE).get_page(request.GET.get("page"))
    has_store = selectors.store_of(owner=request.user) is not None
    context = {
        "categories": selectors.supply_categories(), "category": category, "page": page,
        "has_store": has_store, "picked": selectors.store_product_ids(owner=request.user),
        "anonymous": not request.user.is_authenticated, "back": request.get_full_path(),
    }
    if request.htmx:  # type: ignore[attr-defined]
        template = "stores/_supply_page.html" if page.number > 1 else "stores/_supply_list.html"
        return render(request, template, context)
    return render(request, "stores/supply.html", context)
