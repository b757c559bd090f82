"""REST endpoints for microstores. Each handler parses, calls one service or selector, returns.

The owner's routes say "mine" instead of a store id: a store owner can only ever address their
own store, and another owner's item is simply not there (404).
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import token_or_session
from trustmart.accounts.models import User
from trustmart.catalog.models import Product
from trustmart.catalog.selectors import main_image_url
from trustmart.core.idempotency import idempotent
from trustmart.core.money import format_fen

from . import selectors, services
from .models import Store

router = Router(tags=["stores"])


class StoreOwnerOut(Schema):
    id: int
    nickname: str
    avatar_url: str | None


class StoreOut(Schema):
    id: int
    name: str
    introduction: str
    avatar_url: str | None
    status: str
    owner: StoreOwnerOut
    product_count: int
    url: str
    created_at: datetime


class StoreOpenIn(Schema):
    name: str
    introduction: str = ""


class StoreUpdateIn(Schema):
    name: str | None = None
    introduction: str | None = None
    status: Store.Status | None = None


class StoreItemOut(Schema):
    """A product as the store shows it (resolved from a card of ``store_products_*``)."""

    product_id: int
    name: str
    subtitle: str
    price_fen: int
    price: str
    image_url: str | None
    featured: bool
    position: int
    added_at: datetime
    url: str

    @staticmethod
    def resolve_product_id(obj: Product) -> int:
        return obj.pk

    @staticmethod
    def resolve_price(obj: Product) -> str:
        return format_fen(obj.price_fen)

    @staticmethod
    def resolve_image_url(obj: Product) -> str | None:
        return main_image_url(obj)

    @staticmethod
    def resolve_featured(obj: Product) -> bool:
        return bool(obj.store_featured)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_position(obj: Product) -> int:
        return int(obj.store_position)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_added_at(obj: Product) -> datetime:
        return obj.store_added_at  # type: ignore[attr-defined]

    @staticmethod
    def resolve_url(obj: Product) -> str:
        return selectors.product_url_in_store(product_id=obj.pk,
                                              store_id=obj.in_store_id)  # type: ignore[attr-defined]


class ItemAddIn(Schema):
    product_id: int


class ItemUpdateIn(Schema):
    featured: bool | None = None
    position: int | None = None


class ReorderIn(Schema):
    product_ids: list[int]


def _store_out(store: Store) -> StoreOut:
    owner = store.owner
    return StoreOut(
        id=store.pk, name=store.name, introduction=store.introduction,
        avatar_url=store.avatar.url if store.avatar else None, status=store.status,
        owner=StoreOwnerOut(id=owner.pk, nickname=owner.nickname,
                            avatar_url=owner.avatar.url if owner.avatar else None),
        product_count=selectors.store_products_shown(store=store).count(),
        url=f"/s/{store.pk}/", created_at=store.created_at,
    )


def _me(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


@router.post("", response={201: StoreOut}, auth=token_or_session,
             summary="Open my store in one step (free, no approval)")
@decorate_view(idempotent)
def store_open(request: HttpRequest, payload: StoreOpenIn) -> Status[StoreOut]:
    store = services.store_open(owner=_me(request), name=payload.name,
                                introduction=payload.introduction)
    return Status(201, _store_out(selectors.store_mine_get(owner=store.owner)))


@router.get("/mine", response=StoreOut, auth=token_or_session, summary="My store")
def store_mine(request: HttpRequest) -> StoreOut:
    return _store_out(selectors.store_mine_get(owner=_me(request)))


@router.patch("/mine", response=StoreOut, auth=token_or_session,
              summary="Edit my store; status closed/open closes or reopens it")
def store_mine_update(request: HttpRequest, payload: StoreUpdateIn) -> StoreOut:
    owner = _me(request)
    services.store_update(owner=owner, name=payload.name, introduction=payload.introduction)
    if payload.status == Store.Status.CLOSED:
        services.store_close(owner=owner)
    elif payload.status == Store.Status.OPEN:
        services.store_reopen(owner=owner)
    return _store_out(selectors.store_mine_get(owner=owner))


@router.post("/mine/avatar", response=StoreOut, auth=token_or_session,
             summary="Upload my store's avatar (JPEG, PNG, WebP or GIF, at most 2 MB)")
def store_mine_avatar(request: HttpRequest, avatar: File[UploadedFile]) -> StoreOut:
    services.store_avatar_set(owner=_me(request), upload=avatar)
    return _store_out(selectors.store_mine_get(owner=_me(request)))


@router.get("/mine/items", response=list[StoreItemOut], auth=token_or_session,
            summary="My store's products (visible ones), in the order buyers see them")
@paginate
def store_mine_items(request: HttpRequest) -> QuerySet[Product]:
    store = selectors.store_mine_get(owner=_me(request))
    return selectors.store_products_managed(store=store)


@router.post("/mine/items", response={200: StoreItemOut, 201: StoreItemOut},
             auth=token_or_session,
             summary="一键代销: add a product to my store (201 added, 200 already there)")
def store_item_add(request: HttpRequest, payload: ItemAddIn) -> Status[Product]:
    item, created = services.store_item_add(owner=_me(request), product_id=payload.product_id)
    return Status(201 if created else 200,
                  selectors.store_product_get(store=item.store, product_id=item.product_id))


@router.delete("/mine/items/{int:product_id}", response={204: None}, auth=token_or_session,
               summary="Remove a product from my store")
def store_item_remove(request: HttpRequest, product_id: int) -> Status[None]:
    services.store_item_remove(owner=_me(request), product_id=product_id)
    return Status(204, None)


@router.patch("/mine/items/{int:product_id}", response=StoreItemOut, auth=token_or_session,
              summary="Feature an item and/or move it to a position (0 = first)")
def store_item_update(request: HttpRequest, product_id: int,
                      payload: ItemUpdateIn) -> Product:
    item = services.store_item_update(owner=_me(request), product_id=product_id,
                                      featured=payload.featured, position=payload.position)
    return selectors.store_product_get(store=item.store, product_id=product_id)


@router.post("/mine/items/reorder", response=list[StoreItemOut], auth=token_or_session,
             summary="Put these products first, in this order; returns my items in order")
def store_items_reorder(request: HttpRequest, payload: ReorderIn) -> list[Product]:
    owner = _me(request)
    services.store_items_reorder(owner=owner, product_ids=payload.product_ids)
    return list(selectors.store_products_managed(store=selectors.store_mine_get(owner=owner)))


@router.get("/{int:store_id}", response=StoreOut, auth=None,
            summary="A store (public); a closed store says so in status")
def store_detail(request: HttpRequest, store_id: int) -> StoreOut:
    return _store_out(selectors.store_public_get(store_id=store_id))


@router.get("/{int:store_id}/items", response=list[StoreItemOut], auth=None,
            summary="A store's products (public, visible ones only; none while closed)")
@paginate
def store_items(request: HttpRequest, store_id: int) -> QuerySet[Product]:
    store = selectors.store_public_get(store_id=store_id)
    return selectors.store_products_shown(store=store)
