"""REST endpoints for catalog search: parse the query string, call the search selector, return."""


from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import PaginationBase, paginate

from trustmart.core.money import format_fen

from ..models import Product
from ..search import SearchResult, product_search
from ..search.cards import is_genuine, main_image_url

router = Router(tags=["search"])
MAX_OFFSET = 1000  # nobody reads past a thousand results; deep offsets would only cost


class SearchPagination(PaginationBase):
    """limit/offset pages that say whether more follow instead of counting every match.

    A total would cost a second full search (as much as the page itself on a broad query), and
    an endless list needs only ``has_more``/``next_offset``.
    """

    class Input(Schema):
        limit: int = Field(20, ge=1, le=100)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    class Output(Schema):
        items: list[Any]
        has_more: bool
        next_offset: int | None

    def paginate_queryset(self, queryset: SearchResult, pagination: Input,  # type: ignore[override]
                          request: HttpRequest, **params: Any) -> dict[str, Any]:
        offset, limit = pagination.offset, pagination.limit
        rows, more = queryset.page(offset=offset, limit=limit)
        response = params.get("response")
        if response is not None:  # known once the page is read (see SearchResult.page)
            response["X-Search-Match"] = queryset.match.value
        more = more and offset + limit <= MAX_OFFSET
        return {"items": rows, "has_more": more, "next_offset": offset + limit if more else None}


class ProductCardOut(Schema):
    """What a search result shows: enough for a product card, nothing more."""

    id: int
    name: str
    brand: str
    price_fen: int
    price: str
    main_image_url: str | None
    sales_count: int
    merchant_name: str
    genuine: bool

    @staticmethod
    def resolve_price(obj: Product) -> str:
        return format_fen(obj.price_fen)

    @staticmethod
    def resolve_main_image_url(obj: Product) -> str | None:
        return main_image_url(obj)

    @staticmethod
    def resolve_merchant_name(obj: Product) -> str:
        return obj.merchant.name

    @staticmethod
    def resolve_genuine(obj: Product) -> bool:
        return is_genuine(obj)


@router.get("/products", response=list[ProductCardOut], auth=None,
            summary="Search products",
            description=(
                "Chinese full-text search over live products. Pages: `limit` (1-100) and `offset` "
                "(up to 1000); `has_more` and `next_offset` say whether more follow. `q` is cut "
                "into words; products "
                "with every word come first, and when none has them all, products with any of "
                "them (as prefixes) are returned instead: the `X-Search-Match` header says "
                "`all`, `any` or `browse` (no words). `category` includes its subcategories; "
                "prices are in fen. `sort`: relevance (default with a query), sales (default "
                "without), price_asc, price_desc, newest. Errors: 422 `invalid_sort`, "
                "`price_range_inverted`, `price_negative`, `unknown_category`, `query_too_long`."
            ))
@paginate(SearchPagination)
def product_search_list(request: HttpRequest, response: HttpResponse, q: str = "",
                        category: int | None = None, min_price_fen: int | None = None,
                        max_price_fen: int | None = None, sort: str = "") -> object:
    result = product_search(query=q, category_id=category, min_price_fen=min_price_fen,
                            max_price_fen=max_price_fen, sort=sort)
    return result  # SearchPagination reads one page of it and sets X-Search-Match
