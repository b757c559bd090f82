"""Reads of the sharing app: shares, attribution for orders, anti-fraud facts, the share tree.

``attribution_for`` (``attributions_for`` for many lines), ``devices_of_user``, ``share_get``
and ``last_visit_at`` are the public contract used by the orders and commissions apps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import is_operator
from trustmart.catalog.models import Product
from trustmart.catalog.selectors import products_visible
from trustmart.core.errors import NotFound, invalid
from trustmart.stores.models import Store, StoreItem

from .models import Binding, Share, ShareSale, SharingPolicy, Visit

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest

    from trustmart.accounts.models import User

SESSION_SHARE_KEY = "sharing.code"
DEVICE_COOKIE = "tm_device"


def _share_not_found() -> NotFound:
    return NotFound(_("This share link does not exist."), code="share_not_found")


# --- shares ------------------------------------------------------------------------------------
def share_get(*, code: str) -> Share:
    """Any share by its code (public: the code is in the link)."""
    share = (Share.objects.select_related("sharer", "product", "store", "store__owner")
             .filter(code=code).first())
    if share is None:
        raise _share_not_found()
    return share


def _can_see(user: User | AnonymousUser, share: Share) -> bool:
    return bool(user.is_authenticated and (user.pk == share.sharer_id or is_operator(user)))


# A product in one of these states was public once: saying it is not for sale tells nothing new.
# Drafts, products waiting for review and rejected ones look missing (404).
_ONCE_PUBLIC = (Product.Status.LIVE, Product.Status.OFFLINE)


def share_target_get(*, target: str, object_id: int | None) -> Product | Store:
    """What a share of ``target`` (``product`` / ``store``) ``object_id`` would point at.

    A visible product or an open store of an active owner. A missing one is 404; one that
    exists but cannot be shared now (a product not for sale, a closed store) is a clear
    422 error (``product_not_for_sale``, ``store_closed``) the share sheet shows.
    """
    if target == Share.Target.PRODUCT:
        product = products_visible().filter(pk=object_id).first() if object_id else None
        if product is not None:
            return product
        if object_id and Product.objects.filter(pk=object_id, status__in=_ONCE_PUBLIC).exists():
            raise invalid("product_id", _("This product is not for sale at the moment, so it "
                                          "cannot be shared."), code="product_not_for_sale")
        raise NotFound(_("This product is not available."), code="product_not_found")
    if target == Share.Target.STORE:
        store = Store.objects.select_related("owner").filter(pk=object_id).first() \
            if object_id else None
        if store is None:
            raise NotFound(_("This store does not exist."), code="store_not_found")
        if store.status != Store.Status.OPEN or not store.owner.is_active:
            raise invalid("store_id", _("This store is closed, so it cannot be shared."),
                          code="store_closed")
        return store
    raise invalid("target", _("Share a product or a store."), code="share_target_invalid")


def share_mine_get(*, user: User | AnonymousUser, code: str) -> Share:
    """A share of the acting user (operators see every share); anyone else's is 404."""
    share = share_get(code=code)
    if not _can_see(user, share):
        raise _share_not_found()
    return share


def shares_of(*, user: User) -> QuerySet[Share]:
    """My shares, newest first, with counted visits, orders and sales annotated."""
    return (Share.objects.filter(sharer=user).select_related("product", "store")
            .annotate(visit_count=Count("visits", filter=Q(visits__counted=True),
                                        distinct=True),
                      order_count=Count("sales__order_no", distinct=True),
                      sales_fen=Sum("sales__paid_fen", default=0),
                      refunds_fen=Sum("sales__refunded_fen", default=0))
            .order_by("-created_at", "-pk"))


def session_share(request: HttpRequest) -> str | None:
    """The share code the visitor last arrived through in this session, for the cart line."""
    code = request.session.get(SESSION_SHARE_KEY)
    return str(code) if code else None


def policy_get() -> SharingPolicy:
    return SharingPolicy.objects.filter(pk=1).first() or SharingPolicy(pk=1)


def binding_of(*, buyer_id: int) -> Binding | None:
    """The buyer's binding in force, or None."""
    return (Binding.objects.select_related("sharer", "share")
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
                    buyer_id=buyer_id).first())


# --- attribution (for orders) ------------------------------------------------------------------
@dataclass(frozen=True)
class Attribution:
    store_id: int | None = None
    share_code: str | None = None
    sharer_id: int | None = None
    sharer_nickname: str = ""
    # The buyer buys in their own store: reported, and commissions decides what it pays.
    self_purchase: bool = False


NO_ATTRIBUTION = Attribution()


@dataclass(frozen=True)
class AttributionAsk:
    """One cart line to attribute: its product, and the store and share it was added from."""

    product_id: int
    store_id: int | None = None
    share_code: str | None = None


def attribution_for(*, buyer_id: int, product_id: int, store_id: int | None,
                    share_code: str | None) -> Attribution:
    """Which store (and share, and sharer) a cart line of ``buyer_id`` is sold through.

    1. The buyer's binding in force wins when the bound sharer's open store carries the
       product: that store, the binding's share.
    2. Else the line's own share, when its sharer owns the share's (or the line's) open store
       and that store carries the product; else the line's own store (store page context) when
       open and carrying the product, with no share.
    3. Else nothing. A result naming the buyer's own store has ``self_purchase=True``.
    """
    return attributions_for(buyer_id=buyer_id, asks=[
        AttributionAsk(product_id=product_id, store_id=store_id, share_code=share_code)])[0]


def attributions_for(*, buyer_id: int, asks: list[AttributionAsk]) -> list[Attribution]:
    """``attribution_for`` for every line of a checkout at once, in the same order.

    The binding is read once, however many lines there are; the bound store, the lines'
    shares, which open stores carry which products, and the lines' own stores take one read
    each, and only when some line needs them (a buyer with no binding, buying without a share
    or a store, costs the one read of the binding)."""
    results: list[Attribution | None] = [None] * len(asks)
    binding = binding_of(buyer_id=buyer_id)
    if binding is not None and binding.sharer_id != buyer_id:
        bound = Store.objects.filter(owner_id=binding.sharer_id,
                                     status=Store.Status.OPEN).first()
        if bound is not None:
            carried = set(StoreItem.objects.filter(
                store=bound, product_id__in={ask.product_id for ask in asks})
                .values_list("product_id", flat=True))
            through_binding = Attribution(
                store_id=bound.pk, share_code=binding.share.code if binding.share else None,
                sharer_id=binding.sharer_id, sharer_nickname=binding.sharer.nickname)
            for index, ask in enumerate(asks):
                if ask.product_id in carried:
                    results[index] = through_binding
    left = [index for index, result in enumerate(results) if result is None]
    codes = {asks[index].share_code for index in left if asks[index].share_code}
    shares = ({share.code: share for share in Share.objects.select_related("sharer", "store")
               .filter(code__in=codes)} if codes else {})
    wanted: set[tuple[int, int]] = set()
    for index in left:
        ask = asks[index]
        share = shares.get(ask.share_code or "")
        if share is not None and share.store_id is not None and (
                ask.store_id is None or ask.store_id == share.store_id):
            wanted.add((share.store_id, ask.product_id))
        if ask.store_id is not None:
            wanted.add((ask.store_id, ask.product_id))
    carries = _carried_pairs(wanted)
    own_stores = {ask.store_id for index in left
                  if (ask := asks[index]).store_id is not None
                  and (ask.store_id, ask.product_id) in carries}
    stores = ({store.pk: store for store in Store.objects.select_related("owner")
               .filter(pk__in=own_stores)} if own_stores else {})
    for index in left:
        results[index] = _attribute_line(buyer_id, asks[index], shares, carries, stores)
    return [result or NO_ATTRIBUTION for result in results]


def _carried_pairs(wanted: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of the (store, product) pairs are an open store carrying the product."""
    if not wanted:
        return set()
    found = StoreItem.objects.filter(
        store_id__in={store for store, _product in wanted},
        product_id__in={product for _store, product in wanted},
        store__status=Store.Status.OPEN).values_list("store_id", "product_id")
    return {pair for pair in found if pair in wanted}


def _attribute_line(buyer_id: int, ask: AttributionAsk, shares: dict[str, Share],
                    carries: set[tuple[int, int]], stores: dict[int, Store]) -> Attribution:
    share = shares.get(ask.share_code or "")
    if share is not None and share.store_id is not None and (
            ask.store_id is None or ask.store_id == share.store_id):
        store = share.store
        if (store is not None and store.owner_id == share.sharer_id
                and (store.pk, ask.product_id) in carries):
            return Attribution(store_id=store.pk, share_code=share.code,
                               sharer_id=share.sharer_id, sharer_nickname=share.sharer.nickname,
                               self_purchase=share.sharer_id == buyer_id)
    if ask.store_id is not None and (ask.store_id, ask.product_id) in carries:
        own = stores[ask.store_id]
        return Attribution(store_id=own.pk, sharer_id=own.owner_id,
                           sharer_nickname=own.owner.nickname,
                           self_purchase=own.owner_id == buyer_id)
    return NO_ATTRIBUTION


# --- anti-fraud facts (for commissions) --------------------------------------------------------
def devices_of_user(*, user_id: int) -> set[str]:
    """Device ids seen on the user's visits and on the shares they made."""
    seen = set(Visit.objects.filter(visitor_id=user_id).exclude(device_id="")
               .values_list("device_id", flat=True).distinct())
    seen |= set(Share.objects.filter(sharer_id=user_id).exclude(device_id="")
                .values_list("device_id", flat=True).distinct())
    return seen


def last_visit_at(*, user_id: int, share_code: str) -> datetime | None:
    """When the user last arrived through that share, or None."""
    result: datetime | None = Visit.objects.filter(
        visitor_id=user_id, share__code=share_code).aggregate(at=Max("created_at"))["at"]
    return result


# --- the share tree (信任裂变) -----------------------------------------------------------------
@dataclass
class TreeNode:
    share: Share
    visits: int = 0            # counted visits
    unique_visitors: int = 0
    new_visitors: int = 0      # visitors whose first visit ever came through this share
    orders: int = 0
    sales_fen: int = 0         # paid minus refunded
    children: list[TreeNode] = field(default_factory=list)
    subtree_new_visitors: int = 0

    @property
    def reshares(self) -> int:
        return len(self.children)

    @property
    def fission_bps(self) -> int:
        """Fission coefficient in basis points: new visitors of the whole subtree per unique
        visitor of this node (10000 = one new visitor per visitor)."""
        if not self.unique_visitors:
            return 0
        return self.subtree_new_visitors * 10_000 // self.unique_visitors


@dataclass
class Tree:
    root: TreeNode             # the tree's root, or the viewer's own share for a subtree
    nodes: list[TreeNode]      # depth-first order
    depth: int                 # levels below ``root``
    # Shares above ``root`` on the way to the tree's root, shown only as a number: a sharer
    # lower in a tree sees their own branch, not who is above them or the other branches.
    ancestors: int = 0

    @property
    def whole(self) -> bool:
        return self.ancestors == 0


def _subtree(shares: list[Share], top: Share) -> list[Share]:
    """``top`` and every share below it; ``shares`` come by depth, so a parent is met before
    its children (no recursion: a viral chain may be thousands of levels deep)."""
    inside = {top.pk}
    for share in shares:
        if share.parent_id in inside:
            inside.add(share.pk)
    return [s for s in shares if s.pk in inside]


def share_tree(*, user: User | AnonymousUser, code: str) -> Tree:
    """The tree of the share ``code`` as its viewer may see it.

    The sharer of the tree's root and operators see the whole tree. Any other sharer sees the
    subtree of their own share (it and every re-share below it) and only the number of shares
    above it, never the other branches. Anyone else gets 404.

    Three queries whatever the size: the shares by root, their visit figures grouped by share,
    their sales grouped by share.
    """
    asked = share_mine_get(user=user, code=code)
    root_id = asked.root_id or asked.pk
    shares = list(Share.objects.filter(Q(pk=root_id) | Q(root_id=root_id))
                  .select_related("sharer").order_by("depth", "pk"))
    top = next(s for s in shares if s.pk == root_id)
    if not (user.pk == top.sharer_id or is_operator(user)):
        shares = _subtree(shares, asked)
        top = asked
    ids = [s.pk for s in shares]
    visit_rows = (Visit.objects.filter(share_id__in=ids).values("share_id")
                  .annotate(visits=Count("pk", filter=Q(counted=True)),
                            unique=Count("visitor_key", distinct=True),
                            new=Count("pk", filter=Q(first_visit=True))))
    sale_rows = (ShareSale.objects.filter(share_id__in=ids).values("share_id")
                 .annotate(orders=Count("order_no", distinct=True,
                                        filter=Q(paid_fen__gt=F("refunded_fen"))),
                           paid=Sum("paid_fen"), refunded=Sum("refunded_fen")))
    nodes = {s.pk: TreeNode(share=s) for s in shares}
    for row in visit_rows:
        node = nodes[row["share_id"]]
        node.visits, node.unique_visitors, node.new_visitors = (row["visits"], row["unique"],
                                                                 row["new"])
    for sale in sale_rows:
        node = nodes[sale["share_id"]]
        node.orders = sale["orders"]
        node.sales_fen = int(sale["paid"] or 0) - int(sale["refunded"] or 0)
    for share in shares:
        if share.pk != top.pk and share.parent_id in nodes:
            nodes[share.parent_id].children.append(nodes[share.pk])
    root = nodes[top.pk]
    # Shares come by depth, so children are summed before their parents (no recursion: a
    # viral chain may be thousands of levels deep).
    for share in reversed(shares):
        node = nodes[share.pk]
        node.subtree_new_visitors = node.new_visitors + sum(c.subtree_new_visitors
                                                            for c in node.children)
    ordered: list[TreeNode] = []
    stack = [root]
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(node.children))
    depth = max(n.share.depth for n in ordered) - root.share.depth
    return Tree(root=root, nodes=ordered, depth=depth, ancestors=root.share.depth)

