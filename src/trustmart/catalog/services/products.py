"""Creating and editing products.

A draft (or rejected, or taken-down) product is edited in place. A pending product's content is
frozen while an operator looks at it. A live product's content changes become a revision for an
operator (see ``revisions``); its price, stock, commission and purchase limit change at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import invalid
from trustmart.merchants.models import Merchant

from ..models import Category, Product
from ..selectors import category_chain, category_requires_licence, commission_bounds
from ._common import (
    check_commission,
    clean_description,
    merchant_for_listing,
    product_for_staff_write,
    require_content_editable,
    search_reindex,
)
from .page_cache import product_page_changed
from .revisions import CONTENT_FIELDS, SEARCH_FIELDS, pending_revision, revision_merge
from .skus import SkuInput, SpecOptionInput, skus_define

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

Status = Product.Status
LICENCE_NO = re.compile(r"^SC\d{14}$")
TEXT_LIMITS: dict[str, tuple[int, int]] = {  # field → (min, max) characters
    "name": (2, 60), "subtitle": (0, 100), "brand": (1, 50), "manufacturer": (1, 100),
    "place_of_origin": (1, 100)}
MAX_PURCHASE_LIMIT = 9999


class _Unset:
    """Marks a keyword that was not passed (None can be a real value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def _clean_text(field: str, value: object) -> str:
    low, high = TEXT_LIMITS[field]
    text = " ".join(str(value or "").split())
    if not low <= len(text) <= high:
        messages = {
            "name": _("The product name has 2 to 60 characters."),
            "subtitle": _("The selling point has at most 100 characters."),
            "brand": _("Enter the brand (at most 50 characters)."),
            "manufacturer": _("Enter the manufacturer (at most 100 characters)."),
            "place_of_origin": _("Enter the place of origin (at most 100 characters)."),
        }
        raise invalid(field, messages[field], code="invalid_" + field)
    return text


def _category_for(merchant: Merchant, category_id: object) -> Category:
    """An active category the merchant was approved (and holds a deposit) for."""
    category = None
    if isinstance(category_id, int) and not isinstance(category_id, bool):
        category = (Category.objects.select_related("parent", "parent__parent")
                    .filter(pk=category_id, is_active=True).first())
    if category is None:
        raise invalid("category_id", _("Choose a category."), code="invalid_category")
    allowed = set(merchant.application.main_categories.values_list("pk", flat=True))
    if not allowed & {c.pk for c in category_chain(category)}:
        raise invalid("category_id", _("Your merchant account is not approved for this "
                                       "category."), code="category_not_allowed")
    return category


def clean_content(values: dict[str, Any], *, merchant: Merchant) -> tuple[dict[str, Any],
                                                                           Category | None]:
    """Validate the content fields present in ``values``; returns them cleaned (and the
    category object when ``category_id`` is among them)."""
    cleaned: dict[str, Any] = {}
    category = None
    for field, value in values.items():
        if field in TEXT_LIMITS:
            cleaned[field] = _clean_text(field, value)
        elif field == "description":
            cleaned[field] = clean_description(str(value or ""))
        elif field == "production_licence_no":
            number = str(value or "").strip().upper()
            if number and not LICENCE_NO.match(number):
                raise invalid(field, _("A production licence number is “SC” followed by 14 "
                                       "digits."), code="invalid_licence_no")
            cleaned[field] = number
        elif field == "category_id":
            category = _category_for(merchant, value)
            cleaned[field] = category.pk
    return cleaned, category


def check_licence_rule(category: Category, licence_no: str) -> None:
    if category_requires_licence(category) and not licence_no:
        raise invalid("production_licence_no",
                      _("Products in this category need a production licence number (SC…)."),
                      code="licence_required")


def check_purchase_limit(purchase_limit: int | None) -> int | None:
    if purchase_limit is None:
        return None
    if (isinstance(purchase_limit, bool) or not isinstance(purchase_limit, int)
            or not 1 <= purchase_limit <= MAX_PURCHASE_LIMIT):
        raise invalid("purchase_limit", _("The purchase limit is empty or a number from 1 to "
                                          "9999."), code="invalid_purchase_limit")
    return purchase_limit


def product_create(*, user: User | AnonymousUser, merchant_id: int, name: str, brand: str,
                   category_id: int, manufacturer: str, place_of_origin: str,
                   subtitle: str = "", description: str = "", production_licence_no: str = "",
                   commission_bps: int | None = None, purchase_limit: int | None = None,
                   options: Sequence[SpecOptionInput] = (), skus: Sequence[SkuInput] | None = None,
                   price_fen: int | None = None, stock: int = 0) -> Product:
    """A new draft with its SKUs: the matrix of ``options`` at ``price_fen``, or ``skus``."""
    merchant = merchant_for_listing(user=user, merchant_id=merchant_id)
    content, category = clean_content({
        "name": name, "subtitle": subtitle, "brand": brand, "description": description,
        "category_id": category_id, "manufacturer": manufacturer,
        "place_of_origin": place_of_origin, "production_licence_no": production_licence_no,
    }, merchant=merchant)
    assert category is not None
    check_licence_rule(category, content["production_licence_no"])
    if commission_bps is None:
        commission_bps = commission_bounds()[0]
    check_commission(commission_bps)
    check_purchase_limit(purchase_limit)
    with transaction.atomic():
        product = Product.objects.create(merchant=merchant, commission_bps=commission_bps,
                                         purchase_limit=purchase_limit, **content)
        skus_define(product=product, options=options, skus=skus, price_fen=price_fen,
                    stock=stock)
        search_reindex([product.pk])
    product.refresh_from_db()
    return product


def product_update(*, user: User | AnonymousUser, product_id: int, name: str = UNSET,
                   subtitle: str = UNSET, brand: str = UNSET, description: str = UNSET,
                   category_id: int = UNSET, manufacturer: str = UNSET,
                   place_of_origin: str = UNSET, production_licence_no: str = UNSET,
                   commission_bps: int = UNSET, purchase_limit: int | None = UNSET) -> Product:
    """Change what was passed. Commission and purchase limit apply at once; content applies in
    place for drafts and becomes a revision for a live product."""
    passed = {k: v for k, v in {
        "name": name, "subtitle": subtitle, "brand": brand, "description": description,
        "category_id": category_id, "manufacturer": manufacturer,
        "place_of_origin": place_of_origin, "production_licence_no": production_licence_no,
    }.items() if v is not UNSET}
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        content, category = clean_content(passed, merchant=product.merchant)
        immediate: dict[str, Any] = {}
        if commission_bps is not UNSET:
            immediate["commission_bps"] = check_commission(commission_bps)
        if purchase_limit is not UNSET:
            immediate["purchase_limit"] = check_purchase_limit(purchase_limit)
        _content_change(product=product, user=user, content=content, category=category)
        if immediate:
            Product.objects.filter(pk=product.pk).update(**immediate)
        product_page_changed(product.pk)
    product.refresh_from_db()
    return product


def _content_change(*, product: Product, user: User | AnonymousUser, content: dict[str, Any],
                    category: Category | None) -> None:
    if product.status == Status.LIVE:
        # Validate the state the revision would lead to, merged with earlier pending changes.
        revision = pending_revision(product)
        wanted = {k: getattr(product, k) for k in CONTENT_FIELDS}
        wanted.update({k: v for k, v in (revision.changes if revision else {}).items()
                       if k in CONTENT_FIELDS})
        wanted.update(content)
        final_category = category or Category.objects.select_related("parent").get(
            pk=wanted["category_id"])
        check_licence_rule(final_category, wanted["production_licence_no"])
        revision_merge(product=product, user=user, changes=content)
        return
    changed = {k: v for k, v in content.items() if getattr(product, k) != v}
    if not changed:
        return
    require_content_editable(product)
    final_category = category or product.category
    check_licence_rule(final_category, changed.get("production_licence_no",
                                                   product.production_licence_no))
    Product.objects.filter(pk=product.pk).update(**changed)
    if SEARCH_FIELDS & set(changed):
        search_reindex([product.pk])
