"""The H5 search page. Thin: parse the query string, call the search selector, render.

One URL serves three shapes: the whole page; the results block (``#search-body``) when htmx swaps
it after a sort or filter change; and only the next cards when the infinite list asks for more.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.vary import vary_on_headers

from trustmart.core.errors import DomainError
from trustmart.core.forms import YuanField

from ..search import Match, Sort, product_search
from ..search.cards import product_card
from ..search.query import QUERY_MAX_CHARS, category_choices, products_popular

PAGE_SIZE = 20
MAX_PAGE = 50  # nobody scrolls past a thousand results; deep pages would only cost
PARAMS = ("q", "sort", "category", "min_price", "max_price")
# (tab, the sort it selects, label); the price tab toggles between ascending and descending.
SORT_TABS = (
    ("relevance", Sort.RELEVANCE, _("Best match")),
    ("sales", Sort.SALES, _("Sales volume")),
    ("price", Sort.PRICE_ASC, _("Price")),
    ("newest", Sort.NEWEST, _("New arrivals")),
)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=QUERY_MAX_CHARS)
    sort = forms.CharField(required=False)
    category = forms.IntegerField(required=False, min_value=1)
    min_price = YuanField(required=False, max_length=12)
    max_price = YuanField(required=False, max_length=12)
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


def _url(params: dict[str, str], **changes: str | None) -> str:
    """``?query`` of this search with some parameters changed (None removes one)."""
    query = QueryDict(mutable=True)
    for key, value in {**params, **changes}.items():
        if value:
            query[key] = value
    return "?" + query.urlencode()


def _tabs(params: dict[str, str], sort: str) -> list[dict[str, Any]]:
    tabs = []
    for tab, target, label in SORT_TABS:
        if tab == "price":
            target = Sort.PRICE_DESC if sort == Sort.PRICE_ASC else Sort.PRICE_ASC
            active = sort in (Sort.PRICE_ASC, Sort.PRICE_DESC)
        else:
            active = sort == target
        tabs.append({"tab": tab, "label": label, "active": active,
                     "url": _url(params, sort=target.value, page=None),
                     "direction": "asc" if sort == Sort.PRICE_ASC else
                                  "desc" if sort == Sort.PRICE_DESC else ""})
    return tabs


@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    form.is_valid()  # fields that fail are left out of the search and shown in the filter sheet
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors}
    # Links keep what the user typed (yuan), minus what could not be understood.
    params = {k: request.GET.get(k, "").strip() for k in PARAMS if k not in form.errors}
    page = data.get("page") or 1
    context: dict[str, Any] = {
        "form": form, "params": params, "query": data.get("q") or "", "page": page,
        "categories": category_choices(), "category_id": data.get("category"),
        "result": None, "products": [], "has_more": False, "error": None,
    }
    try:
        result = product_search(
            query=data.get("q") or "", category_id=data.get("category"),
            min_price_fen=data.get("min_price"), max_price_fen=data.get("max_price"),
            sort=data.get("sort") or "")
    except DomainError as exc:
        context["error"] = exc.message
        result = None
    sort = params.get("sort", "")
    if result is not None:
        rows, more = result.page(offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        sort = result.sort.value
        context.update(result=result, products=[product_card(p) for p in rows],
                       has_more=more and page < MAX_PAGE,
                       partial_match=result.match is Match.ANY)
    context.update(
        tabs=_tabs(params, sort),
        next_url=_url(params, sort=sort, page=str(page + 1)),
        clear_url=_url({"q": params.get("q", "")}),
        filtered=bool(params.get("category") or params.get("min_price")
                      or params.get("max_price")),
        sort=sort,
    )
    if not context["products"] and page == 1:
        context["popular"] = [product_card(p) for p in products_popular(limit=4)]
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        partial = "catalog/search_more.html" if page > 1 else "catalog/search_body.html"
        return render(request, partial, context)
    return render(request, "catalog/search.html", context)
