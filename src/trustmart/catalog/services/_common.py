"""What every catalog write shares: who may act, input cleaning, and keeping derived data true.

A merchant acts through ``merchant_for_staff`` (another merchant's product is NotFound) and may
write only while it is active and its guarantee deposit is paid. Operators are checked with
``accounts.selectors.is_operator``; for anyone else operator actions do not exist (404).
"""

from __future__ import annotations

import importlib
import re
from typing import TYPE_CHECKING, Any

import nh3
from django.db import transaction
from django.db.models import Min
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, NotFound, PermissionDenied, invalid
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_for_staff

from ..lock_objects import products_locked
from ..models import Product, Sku
from ..selectors import bps_as_percent, commission_bounds

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

REASON_MAX = 500
DESCRIPTION_MAX = 20_000
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "h3", "h4", "img"}
ALLOWED_ATTRIBUTES = {"img": {"src", "alt"}}
HTML_HINT = re.compile(r"<\s*/?\s*(p|br|strong|em|ul|ol|li|h3|h4|img)\b", re.IGNORECASE)


def product_not_found() -> NotFound:
    return NotFound(_("This product does not exist."), code="product_not_found")


def require_selling_merchant(merchant: Merchant) -> None:
    """Listing needs an active merchant whose guarantee deposit is paid."""
    if merchant.status != Merchant.Status.ACTIVE:
        raise PermissionDenied(_("Your merchant account is not active, so it cannot list or "
                                 "change products."), code="merchant_not_active")
    if not merchant.deposit_ok:
        raise PermissionDenied(_("Pay the guarantee deposit before listing products."),
                               code="deposit_required")


def merchant_for_listing(*, user: User | AnonymousUser, merchant_id: int) -> Merchant:
    merchant = merchant_for_staff(user=user, merchant_id=merchant_id)
    require_selling_merchant(merchant)
    return merchant


def product_for_staff_write(*, user: User | AnonymousUser, product_id: int,
                            lock: bool = False) -> Product:
    """The product if ``user`` is staff of its merchant and that merchant may list.

    With ``lock`` the product row is locked for the rest of the transaction, so that edits of one
    product (content, revision, images) are serialised.
    """
    qs = Product.objects.select_related("category", "category__parent")
    if lock:
        qs = products_locked(qs)
    product = qs.filter(pk=product_id).first()
    if product is None or not user.is_authenticated:
        raise product_not_found()
    try:
        merchant = merchant_for_staff(user=user, merchant_id=product.merchant_id)
    except NotFound as exc:
        raise product_not_found() from exc
    require_selling_merchant(merchant)
    product.merchant = merchant
    return product


def require_content_editable(product: Product) -> None:
    """While an operator reviews a product, what they look at must not change under them."""
    if product.status == Product.Status.PENDING:
        raise Conflict(_("This product is being reviewed; its content cannot change until "
                         "the review is done."), code="product_under_review")


def clean_reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise invalid("reason", _("Please give a reason."), code="reason_required")
    if len(text) > REASON_MAX:
        raise invalid("reason", _("The reason is too long (at most 500 characters)."),
                      code="reason_too_long")
    return text


def clean_description(text: str) -> str:
    """Sanitise the rich description to a small HTML subset (no scripts, styles or attributes).

    Text without any allowed tag (as typed on a phone) is plain text: it is escaped and its
    blank lines and line breaks become paragraphs and ``<br>`` first.
    """
    text = (text or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise invalid("description", _("The description is too long (at most 20000 "
                                       "characters)."), code="description_too_long")
    if not HTML_HINT.search(text):
        text = linebreaks(escape(text)) if text else ""
    return nh3.clean(text, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https"}, link_rel=None, strip_comments=True).strip()


def check_commission(commission_bps: int) -> int:
    low, high = commission_bounds()
    if isinstance(commission_bps, bool) or not low <= commission_bps <= high:
        raise invalid("commission_bps",
                      _("The commission rate must be between %(min)s and %(max)s.")
                      % {"min": bps_as_percent(low), "max": bps_as_percent(high)},
                      code="commission_out_of_bounds")
    return commission_bps


def product_price_refresh(product_id: int) -> None:
    """Keep ``Product.price_fen`` equal to the lowest active SKU price (0 without SKUs)."""
    lowest = Sku.objects.filter(product_id=product_id, is_active=True).aggregate(
        low=Min("price_fen"))["low"]
    Product.objects.filter(pk=product_id).update(price_fen=lowest or 0)


def search_reindex(product_ids: list[int]) -> None:
    """Ask search to recompute the index of these products (in the caller's transaction).

    Search lives in ``catalog.search`` (another module, built separately); until it exists this
    is a no-op, so catalog works on its own.
    """
    try:
        search = importlib.import_module("trustmart.catalog.search")
    except ModuleNotFoundError as exc:
        if exc.name != "trustmart.catalog.search":
            raise
        return
    index = getattr(search, "product_search_index", None)
    if index is not None:
        index(product_ids=product_ids)


def on_commit_delete_files(names: list[tuple[Any, str | None]]) -> None:
    """Delete stored files once the rows that pointed at them are gone for good."""
    def delete() -> None:
        for storage, name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete)
