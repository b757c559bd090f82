"""Every write to microstores: opening one, editing it, and picking products into it (一键代销).

A store belongs to its owner alone, so every function takes the acting ``owner`` and finds the
store through it: there is no store id to guess, and another user's item is simply not found.
Item writes lock the store row first, so two reorders from two phones cannot interleave.
"""

from __future__ import annotations

import uuid
from typing import Literal

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import Role, User
from trustmart.accounts.services import (
    role_grant,
)
from trustmart.catalog.selectors import products_visible
from trustmart.core.errors import Conflict, InvalidInput, NotFound, invalid
from trustmart.core.images import square_jpeg
from trustmart.core.services import model_update
from trustmart.core.states import StateMachine

from .lock_objects import stores_locked
from .models import Store, StoreItem

NAME_MAX = 30
INTRODUCTION_MAX = 200
# A store is a curated shelf, not a mirror of the catalog; the cap also bounds every reorder.
STORE_ITEM_LIMIT = 500

Direction = Literal["up", "down", "top"]


# --- helpers -----------------------------------------------------------------------------------
def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= NAME_MAX:
        raise invalid("name", _("A store name has 1 to 30 characters."),
                      code="invalid_store_name")
    return name


def _clean_introduction(introduction: str) -> str:
    introduction = (introduction or "").strip()
    if len(introduction) > INTRODUCTION_MAX:
        raise invalid("introduction", _("The introduction has at most 200 characters."),
                      code="invalid_introduction")
    return introduction


def _avatar_name() -> str:
    return f"{uuid.uuid4().hex}.jpg"


def _store_not_found() -> NotFound:
    return NotFound(_("You have not opened a store yet."), code="store_not_found")


def _item_not_found() -> NotFound:
    return NotFound(_("This product is not in your store."), code="store_item_not_found")


def _product_unavailable() -> InvalidInput:
    return InvalidInput(_("This product is not on sale now, so it cannot be added or arranged "
                          "in a store."), code="product_unavailable",
                        fields={"product_id": [str(_("This product is not on sale now."))]})


def _own_store(owner: User, *, lock: bool = False) -> Store:
    qs = Store.objects.filter(owner=owner)
    if lock:
        qs = stores_locked(qs)
    store = qs.first()
    if store is None:
        raise _store_not_found()
    return store


def _ordered_items(store: Store) -> list[StoreItem]:
    """All the store's items in display order (featured first), hidden ones included."""
    return list(StoreItem.objects.filter(store=store).order_by("-featured", "position",
                                                                "-added_at", "pk"))


def _renumber(items: list[StoreItem]) -> None:
    """Write positions 0..n-1 in the given order, touching only rows that change."""
    changed = []
    for index, item in enumerate(items):
        if item.position != index:
            item.position = index
            changed.append(item)
    if changed:
        StoreItem.objects.bulk_update(changed, ["position"])


# --- the store ---------------------------------------------------------------------------------
@transaction.atomic
def store_open(*, owner: User, name: str, introduction: str = "",
               avatar: UploadedFile | None = None) -> Store:
    """Open the owner's store in one step: free, no purchase, no approval (合规).

    Grants the store owner role. One store per user; a second attempt is a conflict.
    """
    name = _clean_name(name)
    introduction = _clean_introduction(introduction)
    avatar_bytes = square_jpeg(avatar) if avatar is not None else None
    if Store.objects.filter(owner=owner).exists():
        raise Conflict(_("You already have a store."), code="store_exists")
    store = Store(owner=owner, name=name, introduction=introduction)
    if avatar_bytes is not None:
        store.avatar.save(_avatar_name(), ContentFile(avatar_bytes), save=False)
    try:
        with transaction.atomic():
            store.save()
    except IntegrityError as exc:  # a racing second open from another tab
        if store.avatar.name:
            store.avatar.storage.delete(store.avatar.name)
        raise Conflict(_("You already have a store."), code="store_exists") from exc
    role_grant(user=owner, role=Role.STORE_OWNER)
    return store


@transaction.atomic
def store_update(*, owner: User, name: str | None = None,
                 introduction: str | None = None) -> Store:
    store = _own_store(owner, lock=True)
    data: dict[str, str] = {}
    if name is not None:
        data["name"] = _clean_name(name)
    if introduction is not None:
        data["introduction"] = _clean_introduction(introduction)
    model_update(store, data=data, fields=["name", "introduction"])
    return store


@transaction.atomic
def store_avatar_set(*, owner: User, upload: UploadedFile) -> Store:
    store = _own_store(owner, lock=True)
    data = square_jpeg(upload)
    old = store.avatar.name if store.avatar else ""
    store.avatar.save(_avatar_name(), ContentFile(data), save=False)
    store.save(update_fields=["avatar"])
    if old and old != store.avatar.name:
        transaction.on_commit(lambda: store.avatar.storage.delete(old))
    return store


# A store is open or closed, and may go back and forth (no history is kept).
STORE_STATES = StateMachine(Store, transitions={
    Store.Status.OPEN: {Store.Status.CLOSED}, Store.Status.CLOSED: {Store.Status.OPEN}})


def _store_set_status(owner: User, status: str) -> Store:
    store = _own_store(owner, lock=True)  # locked: the move below cannot lose
    if store.status != status:
        STORE_STATES.move(store, status)
    return store


@transaction.atomic
def store_close(*, owner: User) -> Store:
    """Close the store: its page says so and lists nothing; its items are kept for reopening."""
    return _store_set_status(owner, Store.Status.CLOSED)


@transaction.atomic
def store_reopen(*, owner: User) -> Store:
    return _store_set_status(owner, Store.Status.OPEN)


# --- items (一键代销) ---------------------------------------------------------------------------
@transaction.atomic
def store_item_add(*, owner: User, product_id: int) -> tuple[StoreItem, bool]:
    """Pick a visible product into the owner's store, last in order; returns (item, created).

    Adding a product that is already there changes nothing and is not an error. A product a
    buyer may not see (draft, rejected, taken down, merchant suspended or deposit unpaid) is
    refused, so a store never advertises what cannot be bought; that holds for one already
    in the store too (it is hidden until it is on sale again).
    """
    store = _own_store(owner, lock=True)
    if not products_visible().filter(pk=product_id).exists():
        raise _product_unavailable()
    existing = StoreItem.objects.filter(store=store, product_id=product_id).first()
    if existing is not None:
        return existing, False
    count = StoreItem.objects.filter(store=store).count()
    if count >= STORE_ITEM_LIMIT:
        raise Conflict(_("Your store already has %(limit)d products. Remove some first.")
                       % {"limit": STORE_ITEM_LIMIT}, code="store_full")
    last = StoreItem.objects.filter(store=store).order_by("-position").first()
    position = last.position + 1 if last is not None else 0
    item = StoreItem.objects.create(store=store, product_id=product_id, position=position)
    return item, True


@transaction.atomic
def store_item_remove(*, owner: User, product_id: int) -> None:
    """Take a product out of the store. Removing what is not there is ``store_item_not_found``,
    which is also what removing another owner's item looks like."""
    store = _own_store(owner, lock=True)
    deleted, _rows = StoreItem.objects.filter(store=store, product_id=product_id).delete()
    if not deleted:
        raise _item_not_found()


@transaction.atomic
def store_item_update(*, owner: User, product_id: int, featured: bool | None = None,
                      position: int | None = None) -> StoreItem:
    """Feature an item, and/or move it to ``position`` (0-based place in the store's order).

    Featured items are always shown before the others; ``position`` orders within that. Only
    products on sale can be arranged (hidden ones are not on the owner's list either).
    """
    store = _own_store(owner, lock=True)
    if position is not None and position < 0:
        raise invalid("position", _("The position cannot be negative."),
                      code="invalid_position")
    items = _ordered_items(store)
    target = next((i for i in items if i.product_id == product_id), None)
    if target is None:
        raise _item_not_found()
    if not products_visible().filter(pk=product_id).exists():
        raise _product_unavailable()
    if featured is not None and target.featured != featured:
        target.featured = featured
        target.save(update_fields=["featured"])
    if position is not None:
        items.remove(target)
        items.insert(min(position, len(items)), target)
    items.sort(key=lambda i: not i.featured)  # stable: keeps the owner's order in each group
    _renumber(items)
    return target


@transaction.atomic
def store_item_move(*, owner: User, product_id: int, direction: Direction) -> StoreItem:
    """Arrows and 置顶 for thumbs: swap with the neighbour a buyer sees, or go first.

    Neighbours are counted among products shown (visible) in the same group (featured or not),
    so a press always moves the item on screen even if a hidden product sits in between.
    """
    if direction not in ("up", "down", "top"):
        raise invalid("direction", _("Move up, down or to the top."), code="invalid_direction")
    store = _own_store(owner, lock=True)
    items = _ordered_items(store)
    index = next((n for n, i in enumerate(items) if i.product_id == product_id), None)
    if index is None:
        raise _item_not_found()
    target = items[index]
    shown = set(products_visible().filter(pk__in=[i.product_id for i in items])
                .values_list("pk", flat=True))
    if product_id not in shown:
        raise _product_unavailable()
    peers = [n for n, i in enumerate(items)
             if i.featured == target.featured and i.product_id in shown]
    place = peers.index(index)
    if direction == "top" and place > 0:
        items.insert(peers[0], items.pop(index))
    elif direction == "up" and place > 0:
        other = peers[place - 1]
        items[index], items[other] = items[other], items[index]
    elif direction == "down" and place < len(peers) - 1:
        other = peers[place + 1]
        items[index], items[other] = items[other], items[index]
    _renumber(items)
    return target


@transaction.atomic
def store_items_reorder(*, owner: User, product_ids: list[int]) -> None:
    """Put the listed products first, in the given order; the rest keep theirs after them.

    The list may leave out products (hidden ones, or a partial drag); it may not name a
    product that is not in the store, nor one twice.
    """
    if len(set(product_ids)) != len(product_ids):
        raise invalid("product_ids", _("A product is listed twice."), code="duplicate_product")
    store = _own_store(owner, lock=True)
    items = _ordered_items(store)
    by_product = {i.product_id: i for i in items}
    if any(pid not in by_product for pid in product_ids):
        raise _item_not_found()
    listed = [by_product[pid] for pid in product_ids]
    chosen = set(product_ids)
    rest = [i for i in items if i.product_id not in chosen]
    ordered = listed + rest
    ordered.sort(key=lambda i: not i.featured)
    _renumber(ordered)
