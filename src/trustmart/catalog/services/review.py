"""The product review state machine and the decisions of operators.

``TRANSITIONS`` is the whole machine; each transition is one service doing a conditional
``UPDATE ... WHERE status IN (<sources>)``, so two racing decisions cannot both win. Every
decision is kept in ``ProductReview``; the latest reason is shown to the merchant.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import Conflict, NotFound, invalid
from trustmart.core.states import StateMachine

from ..events import PRODUCT_APPROVED, ProductApproved
from ..lock_objects import commission_bounds_lock, products_locked
from ..models import Category, CommissionBounds, Product, ProductReview, ProductRevision
from ..selectors import (
    COMMISSION_CEILING_BPS,
    bps_as_percent,
    category_requires_licence,
    product_missing,
)
from ._common import (
    clean_reason,
    product_for_staff_write,
    product_not_found,
    search_reindex,
)
from .page_cache import product_page_changed
from .revisions import (
    ATTACHMENTS,
    CONTENT_FIELDS,
    REVISION_STATES,
    SEARCH_FIELDS,
    attachments_apply,
    discard_pending_uploads,
    pending_revision,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

Status = Product.Status
Decision = ProductReview.Decision
# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({Status.DRAFT, Status.REJECTED, Status.OFFLINE}), Status.PENDING),
    "approve": (frozenset({Status.PENDING}), Status.LIVE),
    "reject": (frozenset({Status.PENDING}), Status.REJECTED),
    "take_down": (frozenset({Status.LIVE}), Status.OFFLINE),
}


# The machine the action table describes: every product status move goes through it.
PRODUCT_STATES = StateMachine(Product, transitions={
    source: {t for sources, t in TRANSITIONS.values() if source in sources}
    for source in Status.values})


def transition(*, product: Product, sources: frozenset[str], target: str,
               **fields: Any) -> None:
    """The guarded status change of one action (``PRODUCT_STATES`` in ``review``): allowed from
    ``sources`` only, and lost if another request moved the product first."""
    if product.status not in sources or not PRODUCT_STATES.move(product, target, **fields):
        raise Conflict(_("This product's status changed just now, or the change is not possible "
                         "in its current status. Refresh and try again."),
                       code="invalid_transition")


def _incomplete(missing: dict[str, list[str]]) -> Conflict:
    error = Conflict(_("The product is not complete yet."), code="product_incomplete")
    error.fields = missing
    return error


def product_submit(*, user: User | AnonymousUser, product_id: int) -> Product:
    """The merchant asks for review (draft, rejected or taken down → pending)."""
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        missing = product_missing(product)
        if missing:
            raise _incomplete(missing)
        sources, target = TRANSITIONS["submit"]
        transition(product=product, sources=sources, target=target, review_reason="")
        product_page_changed(product.pk)
    product.refresh_from_db()
    return product


def _product_for_operator(operator: User | AnonymousUser, product_id: int) -> Product:
    require_operator(operator)
    product = products_locked(Product.objects.select_related(
        "category", "category__parent").filter(pk=product_id)).first()
    if product is None:
        raise product_not_found()
    return product


def _decide(*, operator: User, product_id: int, action: str, decision: str, reason: str,
            **fields: Any) -> Product:
    with transaction.atomic():
        product = _product_for_operator(operator, product_id)
        if action == "approve":
            missing = product_missing(product)
            if missing:
                raise _incomplete(missing)
        sources, target = TRANSITIONS[action]
        transition(product=product, sources=sources, target=target,
                   review_reason=reason, **fields)
        product_page_changed(product.pk)
        if action == "take_down":
            _revision_close(product, status=ProductRevision.Status.WITHDRAWN)
        ProductReview.objects.create(product=product, operator=operator, decision=decision,
                                     reason=reason)
        if action == "approve":
            PRODUCT_APPROVED.publish(ProductApproved(
                product_id=product.pk, merchant_id=product.merchant_id, name=product.name,
                category_id=product.category_id))
    product.refresh_from_db()
    return product


def product_approve(*, operator: User, product_id: int, reason: str = "") -> Product:
    """Pending → live: on sale from now (if the merchant may sell)."""
    return _decide(operator=operator, product_id=product_id, action="approve",
                   decision=Decision.APPROVE, reason=clean_reason(reason, required=False),
                   published_at=Coalesce("published_at", Value(timezone.now())))


def product_reject(*, operator: User, product_id: int, reason: str) -> Product:
    """Pending → rejected, with the reason the merchant will read."""
    return _decide(operator=operator, product_id=product_id, action="reject",
                   decision=Decision.REJECT, reason=clean_reason(reason, required=True))


def product_take_down(*, operator: User, product_id: int, reason: str) -> Product:
    """Live → offline (下架), with a reason; a pending revision is withdrawn with it."""
    return _decide(operator=operator, product_id=product_id, action="take_down",
                   decision=Decision.TAKE_DOWN, reason=clean_reason(reason, required=True))


# --- revisions ----------------------------------------------------------------------------
def _revision_close(product: Product, *, status: str) -> ProductRevision | None:
    revision = pending_revision(product)
    if revision is None:
        return None
    REVISION_STATES.move(revision, status)
    if status != ProductRevision.Status.APPROVED:
        discard_pending_uploads(product.pk)
    return revision


def _revision_for_operator(operator: User, revision_id: int) -> tuple[ProductRevision, Product]:
    require_operator(operator)
    product_id = ProductRevision.objects.filter(
        pk=revision_id, status=ProductRevision.Status.PENDING).values_list(
        "product_id", flat=True).first()
    if product_id is None:
        raise NotFound(_("This change does not exist or was already decided."),
                       code="revision_not_found")
    product = _product_for_operator(operator, product_id)
    revision = pending_revision(product)
    if revision is None or revision.pk != revision_id:
        raise Conflict(_("This change was decided just now. Refresh and try again."),
                       code="revision_changed")
    return revision, product


def revision_approve(*, operator: User, revision_id: int, reason: str = "") -> Product:
    """Apply a pending change to the live product."""
    reason = clean_reason(reason, required=False)
    with transaction.atomic():
        revision, product = _revision_for_operator(operator, revision_id)
        changes = revision.changes
        content = {k: v for k, v in changes.items() if k in CONTENT_FIELDS}
        category: Category | None = product.category
        if "category_id" in content:
            category = Category.objects.select_related("parent").filter(
                pk=content["category_id"], is_active=True).first()
            if category is None:
                raise Conflict(_("The chosen category is no longer available."),
                               code="invalid_category")
        assert category is not None
        licence = content.get("production_licence_no", product.production_licence_no)
        if category_requires_licence(category) and not licence:
            raise Conflict(_("Products in this category need a production licence number."),
                           code="licence_required")
        if content:
            Product.objects.filter(pk=product.pk).update(**content)
        for key in ATTACHMENTS:
            if key in changes:
                attachments_apply(product, key, [int(i) for i in changes[key]])
        _revision_close(product, status=ProductRevision.Status.APPROVED)
        product_page_changed(product.pk)
        ProductReview.objects.create(product=product, revision=revision, operator=operator,
                                     decision=Decision.APPROVE, reason=reason)
        if SEARCH_FIELDS & set(content):
            search_reindex([product.pk])
    product.refresh_from_db()
    return product


def revision_reject(*, operator: User, revision_id: int, reason: str) -> ProductRevision:
    """Refuse a change; the live product stays as it was, new uploads are deleted."""
    reason = clean_reason(reason, required=True)
    with transaction.atomic():
        revision, product = _revision_for_operator(operator, revision_id)
        _revision_close(product, status=ProductRevision.Status.REJECTED)
        ProductReview.objects.create(product=product, revision=revision, operator=operator,
                                     decision=Decision.REJECT, reason=reason)
    return revision


def revision_withdraw(*, user: User | AnonymousUser, product_id: int) -> None:
    """The merchant takes back its pending change."""
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        if _revision_close(product, status=ProductRevision.Status.WITHDRAWN) is None:
            raise NotFound(_("There is no pending change to withdraw."),
                           code="revision_not_found")


# --- commission bounds --------------------------------------------------------------------
# Higher apps may refuse bounds (commissions: above the cap its policy publishes). Catalog may
# not import them, so they register a check here; it raises a DomainError.
BoundsCheck = Callable[[int, int], None]
_bounds_checks: dict[str, BoundsCheck] = {}


def commission_bounds_check(fn: BoundsCheck) -> BoundsCheck:
    """Register ``fn(min_bps, max_bps)``, run before bounds are saved; its dotted path is its
    key (registering twice replaces)."""
    _bounds_checks[f"{fn.__module__}.{fn.__qualname__}"] = fn
    return fn


def commission_bounds_set(*, operator: User, min_bps: int, max_bps: int) -> CommissionBounds:
    """The platform's minimum and maximum commission rate for new settings of products.

    The maximum may never exceed the published ceiling (``COMMISSION_CEILING_BPS``) nor what
    registered checks allow (the commission policy's cap). Rates already set stay as they are;
    a merchant changing one must respect the new bounds.
    """
    require_operator(operator)
    values = (min_bps, max_bps)
    if (any(isinstance(v, bool) or not isinstance(v, int) for v in values)
            or not 0 <= min_bps <= max_bps <= 10_000):
        raise invalid("min_bps", _("The bounds must satisfy 0 ≤ minimum ≤ maximum ≤ 100%."),
                      code="invalid_commission_bounds")
    if max_bps > COMMISSION_CEILING_BPS:
        raise invalid("max_bps", _(
            "The maximum commission may not exceed %(ceiling)s: that is the published ceiling "
            "on all commissions of a sale together.")
            % {"ceiling": bps_as_percent(COMMISSION_CEILING_BPS)},
            code="commission_bounds_over_cap")
    for check in _bounds_checks.values():
        check(min_bps, max_bps)
    with transaction.atomic():
        bounds = commission_bounds_lock()
        if bounds is None:
            return CommissionBounds.objects.create(min_bps=min_bps, max_bps=max_bps)
        bounds.min_bps, bounds.max_bps = min_bps, max_bps
        bounds.save(update_fields=["min_bps", "max_bps", "updated_at"])
    return bounds
