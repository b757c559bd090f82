"""Changes to a live product's content wait in one pending ``ProductRevision``.

The revision's ``changes`` hold only what differs from the live product: content fields by name,
and the wanted ordered id lists of ``images`` and ``certificates`` (new uploads are rows with
``pending=True``, hidden from buyers). Further edits merge into the same revision; an edit that
brings everything back to the live values withdraws it. Approval applies it; rejection or
withdrawal deletes its pending uploads. The live version stays on sale meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict
from trustmart.core.states import StateMachine

from ..lock_objects import pending_revision_lock
from ..models import Certificate, Product, ProductImage, ProductRevision
from ._common import on_commit_delete_files

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

CONTENT_FIELDS = ("name", "subtitle", "brand", "description", "category_id", "manufacturer",
                  "place_of_origin", "production_licence_no")
# Fields search indexes: a change to any of them re-indexes the product.
SEARCH_FIELDS = frozenset({"name", "brand", "category_id", "description"})
ATTACHMENTS: dict[str, type[ProductImage] | type[Certificate]] = {
    "images": ProductImage, "certificates": Certificate}
Pending = ProductRevision.Status.PENDING
# A revision is decided once: approved, rejected, or withdrawn (by the merchant or a take-down).
REVISION_STATES = StateMachine(ProductRevision, transitions={
    Pending: {ProductRevision.Status.APPROVED, ProductRevision.Status.REJECTED,
              ProductRevision.Status.WITHDRAWN}})


def live_attachment_ids(key: str, product_id: int) -> list[int]:
    model = ATTACHMENTS[key]
    qs = model.objects.filter(product_id=product_id, pending=False)
    order = ("position", "pk") if model is ProductImage else ("pk",)
    return list(qs.order_by(*order).values_list("pk", flat=True))


def current_value(product: Product, key: str) -> Any:
    if key in ATTACHMENTS:
        return live_attachment_ids(key, product.pk)
    return getattr(product, key)


def pending_revision(product: Product) -> ProductRevision | None:
    """The product's pending revision, locked (the caller holds the product's lock too)."""
    return pending_revision_lock(product)


def wanted_attachment_ids(product: Product, key: str) -> list[int]:
    """What the product's images (or certificates) will be once its revision is approved."""
    revision = pending_revision(product)
    if revision is not None and key in revision.changes:
        return [int(i) for i in revision.changes[key]]
    return live_attachment_ids(key, product.pk)


def delete_attachments(rows: list[Model]) -> None:
    files = []
    for row in rows:
        stored = row.image if isinstance(row, ProductImage) else row.file  # type: ignore[attr-defined]
        files.append((stored.storage, stored.name))
        row.delete()
    on_commit_delete_files(files)


def discard_pending_uploads(product_id: int, *, keep: dict[str, list[int]] | None = None) -> None:
    """Delete pending uploads that no pending change lists any more."""
    keep = keep or {}
    for key, model in ATTACHMENTS.items():
        rows = list(model.objects.filter(product_id=product_id, pending=True)
                    .exclude(pk__in=keep.get(key, [])))
        delete_attachments(rows)


def revision_merge(*, product: Product, user: User | AnonymousUser,
                   changes: dict[str, Any]) -> ProductRevision | None:
    """Fold ``changes`` into the product's pending revision (created on first change)."""
    revision = pending_revision(product)
    merged = dict(revision.changes) if revision is not None else {}
    merged.update(changes)
    merged = {k: v for k, v in merged.items() if current_value(product, k) != v}
    discard_pending_uploads(product.pk, keep={k: merged.get(k, []) for k in ATTACHMENTS})
    if revision is None:
        if not merged:
            return None
        return ProductRevision.objects.create(product=product, changes=merged,
                                              submitted_by=cast("User", user))
    if merged:  # still pending, with the merged changes (guarded like a move)
        updated = ProductRevision.objects.filter(pk=revision.pk, status=Pending).update(
            changes=merged)
    else:
        updated = REVISION_STATES.move(revision, ProductRevision.Status.WITHDRAWN)
    if not updated:
        raise Conflict(_("The pending change was just reviewed. Refresh and try again."),
                       code="revision_changed")
    if not merged:
        return None
    revision.changes = merged
    return revision


def attachments_apply(product: Product, key: str, ids: list[int]) -> None:
    """Make ``ids`` the product's live images (in this order) or certificates; drop the rest."""
    model = ATTACHMENTS[key]
    rows = list(model.objects.filter(product=product))
    delete_attachments([r for r in rows if r.pk not in ids])
    for position, pk in enumerate(ids):
        fields: dict[str, Any] = {"pending": False}
        if model is ProductImage:
            fields["position"] = position
        model.objects.filter(pk=pk, product=product).update(**fields)
