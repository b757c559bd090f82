"""REST endpoints of sharing. Each handler parses, calls one service or selector, returns.

A share's kit and tree are its sharer's (and operators'); anyone else gets 404. The poster is
public: it is made to be posted.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import token_or_session
from trustmart.accounts.models import User

from . import selectors, services
from .kit import share_kit, share_link, site_url
from .models import Channel, Share
from .poster import poster_get
from .selectors import DEVICE_COOKIE
from .svg import tree_svg

router = Router(tags=["sharing"])


class ShareIn(Schema):
    target: Share.Target
    product_id: int | None = None
    store_id: int | None = None
    channel: Channel = Channel.LINK
    parent_code: str | None = None


class ShareOut(Schema):
    code: str
    target: str
    product_id: int | None
    store_id: int | None
    channel: str
    parent_code: str | None
    depth: int
    url: str
    created_at: datetime

    @staticmethod
    def resolve_parent_code(obj: Share) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None

    @staticmethod
    def resolve_url(obj: Share, context: dict[str, object]) -> str:
        return share_link(share=obj, base=site_url(context["request"]))


class MyShareOut(ShareOut):
    visits: int
    orders: int
    sales_fen: int

    @staticmethod
    def resolve_visits(obj: Share) -> int:
        return int(obj.visit_count)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_orders(obj: Share) -> int:
        return int(obj.order_count)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_sales_fen(obj: Share) -> int:
        return int(obj.sales_fen) - int(obj.refunds_fen)  # type: ignore[attr-defined]


class KitItemOut(Schema):
    channel: str
    label: str
    limit: int
    text: str
    url: str


class KitOut(Schema):
    code: str
    url: str
    poster_url: str
    items: list[KitItemOut]


class NodeOut(Schema):
    code: str
    parent_code: str | None
    sharer_id: int
    sharer_nickname: str
    channel: str
    depth: int
    visits: int
    unique_visitors: int
    new_visitors: int
    reshares: int
    orders: int
    sales_fen: int
    fission_bps: int


class TreeOut(Schema):
    root_code: str  # the tree's root, or the caller's own share when they see their branch
    depth: int
    ancestors: int  # shares above root_code (only counted: who they are is not shown)
    fission_bps: int
    nodes: list[NodeOut]


class PolicyOut(Schema):
    binding_mode: str
    binding_days: int


class PolicyIn(Schema):
    binding_mode: str | None = None
    binding_days: int | None = None


def _me(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


@router.post("/shares", response={201: ShareOut}, auth=token_or_session,
             summary="Share a visible product or an open store on a channel")
def share_create(request: HttpRequest, payload: ShareIn) -> Status[Share]:
    share = services.share_create(
        user=_me(request), target=payload.target, product_id=payload.product_id,
        store_id=payload.store_id, channel=payload.channel,
        parent_code=payload.parent_code or selectors.session_share(request),
        device_id=request.COOKIES.get(DEVICE_COOKIE, ""))
    return Status(201, share)


@router.get("/shares", response=list[MyShareOut], auth=token_or_session,
            summary="My shares, newest first, with counted visits, orders and sales")
@paginate
def shares_mine(request: HttpRequest) -> QuerySet[Share]:
    return selectors.shares_of(user=_me(request)).select_related("parent")


@router.get("/shares/{code}/kit", response=KitOut, auth=token_or_session,
            summary="一键分发: copy text and link for every channel, and the poster")
def kit(request: HttpRequest, code: str) -> object:
    share = selectors.share_mine_get(user=_me(request), code=code)
    return share_kit(share=share, base=site_url(request))


@router.get("/shares/{code}/poster", auth=None, summary="The share's poster (PNG, public)")
def poster(request: HttpRequest, code: str) -> FileResponse:
    share = selectors.share_get(code=code)
    path = poster_get(share=share, link=share_link(share=share, base=site_url(request)))
    response = FileResponse(path.open("rb"), content_type="image/png")
    patch_vary_headers(response, ("Accept-Language", "Cookie"))  # one poster per language
    return response


def _tree_out(tree: selectors.Tree) -> dict[str, object]:
    return {"root_code": tree.root.share.code, "depth": tree.depth, "ancestors": tree.ancestors,
            "fission_bps": tree.root.fission_bps,
            "nodes": [{"code": n.share.code,
                       "parent_code": next((p.share.code for p in tree.nodes
                                            if n in p.children), None),
                       "sharer_id": n.share.sharer_id,
                       "sharer_nickname": n.share.sharer.nickname,
                       "channel": n.share.channel, "depth": n.share.depth, "visits": n.visits,
                       "unique_visitors": n.unique_visitors, "new_visitors": n.new_visitors,
                       "reshares": n.reshares, "orders": n.orders, "sales_fen": n.sales_fen,
                       "fission_bps": n.fission_bps} for n in tree.nodes]}


@router.get("/shares/{code}/tree", response=TreeOut, auth=token_or_session,
            summary="信任裂变: the whole tree of the share (its sharer or an operator)")
def tree(request: HttpRequest, code: str) -> dict[str, object]:
    return _tree_out(selectors.share_tree(user=_me(request), code=code))


@router.get("/shares/{code}/tree.svg", auth=token_or_session,
            summary="The share tree as an SVG picture")
def tree_picture(request: HttpRequest, code: str) -> HttpResponse:
    svg = tree_svg(selectors.share_tree(user=_me(request), code=code))
    return HttpResponse(svg, content_type="image/svg+xml")


@router.get("/policy", response=PolicyOut, auth=None, summary="The customer binding policy")
def policy(request: HttpRequest) -> object:
    return selectors.policy_get()


@router.put("/policy", response=PolicyOut, auth=token_or_session,
            summary="Change the customer binding policy (operators)")
def policy_update(request: HttpRequest, payload: PolicyIn) -> object:
    return services.policy_update(operator=_me(request), binding_mode=payload.binding_mode,
                                  binding_days=payload.binding_days)
