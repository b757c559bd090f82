"""Writes of the sharing app: shares, visits, customer bindings, the policy, sales figures.

``visit_record`` is the hot path of a share going viral: it inserts one ``Visit`` row after at
most two small reads by the visitor's device or user index (burst window, first visit). It never
locks or updates the share row, so a burst of clicks on one share does not queue on one row;
counts are aggregated when read.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import is_operator
from trustmart.catalog.models import Product
from trustmart.core.errors import NotFound, invalid
from trustmart.stores.models import Store

from .lock_objects import binding_lock
from .models import Binding, BindingMode, Channel, Share, ShareSale, SharingPolicy, Visit
from .selectors import share_target_get

if TYPE_CHECKING:
    from trustmart.accounts.models import User

CODE_ALPHABET = string.digits + string.ascii_letters  # base62
CODE_LENGTH = 8
# Bound on walking a binding chain for cycles: chains are short, a loop must not spin forever.
CHAIN_LIMIT = 64


def share_code_new() -> str:
    """8 random base62 characters; never all digits (``/s/<digits>/`` is a store page)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not code.isdigit():
            return code


def _open_store_of(user_id: int) -> Store | None:
    return Store.objects.filter(owner_id=user_id, status=Store.Status.OPEN).first()


@transaction.atomic
def share_create(*, user: User, target: str, product_id: int | None = None,
                 store_id: int | None = None, channel: str = Channel.LINK,
                 parent_code: str | None = None, device_id: str = "") -> Share:
    """A share of a visible product or an open store by ``user`` on ``channel``.

    ``parent_code`` is the share the user arrived through (the landing page remembers it): the
    new share becomes its child, unless that share is the user's own (a re-share of one's own
    share hangs where the original hangs). The same share asked twice is returned again.
    """
    if channel not in Channel.values:
        raise invalid("channel", _("Choose a channel."), code="share_channel_invalid")
    # A product share is made in the sharer's own open store, if they have one.
    shared = share_target_get(
        target=target, object_id=product_id if target == Share.Target.PRODUCT else store_id)
    product: Product | None = None
    store: Store | None
    if isinstance(shared, Product):
        product, store = shared, _open_store_of(user.pk)
    else:
        store = shared

    parent = _parent_for(user=user, parent_code=parent_code)
    existing = Share.objects.filter(sharer=user, target=target, product=product, store=store,
                                    channel=channel, parent=parent).first()
    if existing is not None:
        return existing
    root = (parent.root or parent) if parent is not None else None
    depth = parent.depth + 1 if parent is not None else 0
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Share.objects.create(
                    code=share_code_new(), sharer=user, target=target, product=product,
                    store=store, channel=channel, parent=parent, root=root, depth=depth,
                    device_id=device_id[:64])
        except IntegrityError:  # a code collision: draw another
            continue
    raise RuntimeError("could not draw a unique share code")


def _parent_for(*, user: User, parent_code: str | None) -> Share | None:
    if not parent_code:
        return None
    parent = Share.objects.filter(code=parent_code).first()
    # A re-share of one's own share is not its child: climb to the first share of someone else.
    steps = 0
    while parent is not None and parent.sharer_id == user.pk and steps < CHAIN_LIMIT:
        parent = parent.parent
        steps += 1
    return parent


# --- visits ------------------------------------------------------------------------------------
def burst_window() -> timedelta:
    return timedelta(minutes=settings.SHARING_BURST_WINDOW_MINUTES)


def visit_record(*, code: str, channel: str | None, visitor: User | None,
                 device_id: str, new_device: bool = False) -> Visit:
    """Record one arrival through the share ``code``; bind a logged-in visitor.

    A repeat from the same device, or the same user, through the same share inside the burst
    window is recorded with ``counted=False``. No lock, no counter update: one insert.
    ``new_device``: the device id was minted for this very request (no cookie came), so an
    anonymous visitor has no earlier visit and nothing needs to be read.
    """
    share = (Share.objects.filter(code=code)
             .only("pk", "sharer_id", "channel", "target", "product_id", "store_id").first())
    if share is None:
        raise NotFound(_("This share link does not exist."), code="share_not_found")
    if channel not in Channel.values:
        channel = share.channel
    visitor_id = visitor.pk if visitor is not None and visitor.is_authenticated else None
    device_id = device_id[:64]
    same_person = Q()
    if device_id:
        same_person |= Q(device_id=device_id)
    if visitor_id is not None:
        same_person |= Q(visitor_id=visitor_id)
    now = timezone.now()
    counted = first = True
    if same_person and not (new_device and visitor_id is None):
        # By person first, share second: the share is deliberately not in the query, so the
        # planner uses the device (or visitor) index, a handful of rows, and never scans a
        # viral share's thousands of visits in the window.
        recent = set(Visit.objects.filter(same_person, created_at__gte=now - burst_window())
                     .values_list("share_id", flat=True))
        counted = share.pk not in recent
        first = not recent and not Visit.objects.filter(same_person).exists()
    visit = Visit.objects.create(
        share=share, channel=channel, visitor_id=visitor_id, device_id=device_id,
        visitor_key=f"u{visitor_id}" if visitor_id is not None else f"d{device_id}",
        counted=counted, first_visit=first)
    if visitor_id is not None and visitor_id != share.sharer_id:
        binding_bind(buyer_id=visitor_id, share=share)
    return visit


# --- customer binding (锁客) -------------------------------------------------------------------
def policy_get() -> SharingPolicy:
    policy, _created = SharingPolicy.objects.get_or_create(pk=1)
    return policy


@transaction.atomic
def policy_update(*, operator: User, binding_mode: str | None = None,
                  binding_days: int | None = None) -> SharingPolicy:
    if not is_operator(operator):
        raise NotFound()
    policy = policy_get()
    if binding_mode is not None:
        if binding_mode not in BindingMode.values:
            raise invalid("binding_mode", _("Choose latest or first."),
                          code="binding_mode_invalid")
        policy.binding_mode = binding_mode
    if binding_days is not None:
        if not 1 <= binding_days <= 365:
            raise invalid("binding_days", _("Binding lasts from 1 to 365 days."),
                          code="binding_days_invalid")
        policy.binding_days = binding_days
    policy.updated_by = operator
    policy.save()
    return policy


def _in_force() -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now())


def _would_cycle(*, buyer_id: int, sharer_id: int) -> bool:
    """True when the sharer is (through bindings in force) bound back to the buyer."""
    seen = {sharer_id}
    current = sharer_id
    for _step in range(CHAIN_LIMIT):
        nxt = (Binding.objects.filter(_in_force(), buyer_id=current)
               .values_list("sharer_id", flat=True).first())
        if nxt is None:
            return False
        if nxt == buyer_id:
            return True
        if nxt in seen:
            return False
        seen.add(nxt)
        current = nxt
    return True


@transaction.atomic
def binding_bind(*, buyer_id: int, share: Share) -> Binding | None:
    """Bind ``buyer_id`` to the sharer of ``share`` when the policy and the rules allow.

    Rules: never to oneself; never into a cycle; only to a sharer with an open store (only
    store owners earn). ``latest``: the latest share wins and the binding lasts the policy's
    days; ``first``: a binding in force is permanent and never replaced. Returns the binding in
    force afterwards (maybe unchanged), or None.
    """
    sharer_id = share.sharer_id
    if buyer_id == sharer_id or _open_store_of(sharer_id) is None:
        return Binding.objects.filter(_in_force(), buyer_id=buyer_id).first()
    if _would_cycle(buyer_id=buyer_id, sharer_id=sharer_id):
        return Binding.objects.filter(_in_force(), buyer_id=buyer_id).first()
    policy = policy_get()
    now = timezone.now()
    expires = (None if policy.binding_mode == BindingMode.FIRST
               else now + timedelta(days=policy.binding_days))
    current = binding_lock(buyer_id)
    if current is None:
        try:
            with transaction.atomic():
                return Binding.objects.create(buyer_id=buyer_id, sharer_id=sharer_id,
                                              share_id=share.pk, bound_at=now,
                                              expires_at=expires)
        except IntegrityError:  # bound by a concurrent visit: decide against that row
            current = binding_lock(buyer_id)
            assert current is not None
    in_force = current.expires_at is None or current.expires_at > now
    if in_force and policy.binding_mode == BindingMode.FIRST:
        return current
    if in_force and current.sharer_id == sharer_id:
        current.share_id = share.pk
        current.renewed_at = now
        current.expires_at = expires if current.expires_at is not None else None
        current.save(update_fields=["share", "renewed_at", "expires_at"])
        return current
    current.sharer_id = sharer_id
    current.share_id = share.pk
    current.bound_at = now
    current.renewed_at = None
    current.expires_at = expires
    current.save(update_fields=["sharer", "share", "bound_at", "renewed_at", "expires_at"])
    return current


@transaction.atomic
def binding_renew(*, buyer_id: int, sharer_id: int) -> bool:
    """A bound purchase was paid: in ``latest`` mode the binding runs the policy's days again
    from now. True when a binding in force to ``sharer_id`` was renewed."""
    policy = policy_get()
    now = timezone.now()
    qs = Binding.objects.filter(_in_force(), buyer_id=buyer_id, sharer_id=sharer_id)
    if policy.binding_mode == BindingMode.FIRST:
        return qs.update(renewed_at=now) > 0
    return qs.exclude(expires_at__isnull=True).update(
        renewed_at=now, expires_at=now + timedelta(days=policy.binding_days)) > 0


def bindings_renew_by_purchase(*, buyer_id: int, store_ids: set[int]) -> int:
    """A paid order sold through these stores renews the buyer's binding to their owners."""
    owners = set(Store.objects.filter(pk__in=store_ids).values_list("owner_id", flat=True))
    return sum(binding_renew(buyer_id=buyer_id, sharer_id=owner) for owner in owners
               if owner != buyer_id)


def binding_expire_due() -> int:
    """Delete bindings whose time is up (the read side already ignores them)."""
    return Binding.objects.filter(expires_at__lte=timezone.now()).delete()[0]


# --- sales through shares (fed by order events) -----------------------------------------------
@dataclass(frozen=True)
class SaleLine:
    """A paid order line as sharing needs it (from ``order.paid``)."""

    line_id: int
    paid_fen: int
    share_code: str | None


@dataclass(frozen=True)
class RefundLine:
    """A refunded order line as sharing needs it (from ``order.refunded``)."""

    line_id: int
    total_refunded_fen: int


@transaction.atomic
def share_sales_record(*, order_no: str, lines: Sequence[SaleLine]) -> int:
    """Record the paid lines that carry a share code; idempotent by line id."""
    codes = {line.share_code for line in lines if line.share_code}
    shares = dict(Share.objects.filter(code__in=codes).values_list("code", "pk"))
    made = 0
    for line in lines:
        share_id = shares.get(line.share_code or "")
        if share_id is None:
            continue
        _row, created = ShareSale.objects.get_or_create(
            line_id=line.line_id,
            defaults={"share_id": share_id, "order_no": order_no, "paid_fen": line.paid_fen})
        made += created
    return made


@transaction.atomic
def share_sales_refund(*, lines: Sequence[RefundLine]) -> int:
    """Set each refunded line's refunded total (absolute, so a repeat changes nothing)."""
    changed = 0
    for line in lines:
        changed += ShareSale.objects.filter(line_id=line.line_id).update(
            refunded_fen=Least(line.total_refunded_fen, F("paid_fen")))
    return changed

