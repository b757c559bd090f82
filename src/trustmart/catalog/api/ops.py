"""Operator endpoints: the review queue, decisions on products and revisions, commission bounds.

For anyone who is not an operator these endpoints do not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate

from trustmart.accounts.auth import token_or_session

from .. import selectors, services
from ..models import Product, ProductRevision
from .schemas import (
    BoundsIn,
    BoundsOut,
    DiffRowOut,
    MerchantProductCardOut,
    MerchantProductOut,
    ReasonIn,
    RevisionDetailOut,
    RevisionOut,
    diff_value,
    merchant_product,
    revision_out,
)

router = Router(tags=["catalog: operators"], auth=token_or_session)


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _product(request: HttpRequest, product_id: int) -> MerchantProductOut:
    return merchant_product(selectors.product_for_operator(user=_user(request),
                                                           product_id=product_id))


def _revision(request: HttpRequest, revision_id: int) -> RevisionDetailOut:
    revision = selectors.revision_for_operator(user=_user(request), revision_id=revision_id)
    diff = [DiffRowOut(field=r.field, label=r.label, before=diff_value(r.before),
                       after=diff_value(r.after))
            for r in selectors.revision_diff(revision=revision)]
    return RevisionDetailOut(**revision_out(revision).dict(), diff=diff,
                             product_name=revision.product.name,
                             merchant_name=revision.product.merchant.name)


@router.get("/products", response=list[MerchantProductCardOut],
            summary="Products by status: the review queue (pending, oldest first) by default")
@paginate
def product_list(request: HttpRequest, status: str = Product.Status.PENDING,
                 q: str = "") -> QuerySet[Product]:
    return selectors.products_for_operator(user=_user(request), status=status, query=q)


@router.get("/products/{product_id}", response=MerchantProductOut,
            summary="A product as submitted, with its review history")
def product_get(request: HttpRequest, product_id: int) -> MerchantProductOut:
    return _product(request, product_id)


@router.post("/products/{product_id}/approve", response=MerchantProductOut,
             summary="Approve a pending product: it goes live")
def product_approve(request: HttpRequest, product_id: int,
                    payload: ReasonIn) -> MerchantProductOut:
    services.product_approve(operator=_user(request), product_id=product_id,
                             reason=payload.reason)
    return _product(request, product_id)


@router.post("/products/{product_id}/reject", response=MerchantProductOut,
             summary="Reject a pending product with a reason")
def product_reject(request: HttpRequest, product_id: int,
                   payload: ReasonIn) -> MerchantProductOut:
    services.product_reject(operator=_user(request), product_id=product_id,
                            reason=payload.reason)
    return _product(request, product_id)


@router.post("/products/{product_id}/take-down", response=MerchantProductOut,
             summary="Take a live product down (下架) with a reason")
def product_take_down(request: HttpRequest, product_id: int,
                      payload: ReasonIn) -> MerchantProductOut:
    services.product_take_down(operator=_user(request), product_id=product_id,
                               reason=payload.reason)
    return _product(request, product_id)


@router.get("/revisions", response=list[RevisionOut],
            summary="Pending changes to live products, oldest first")
@paginate
def revision_list(request: HttpRequest) -> QuerySet[ProductRevision]:
    return selectors.revisions_pending(user=_user(request))


@router.get("/revisions/{revision_id}", response=RevisionDetailOut,
            summary="A change with its field-by-field diff against the live product")
def revision_get(request: HttpRequest, revision_id: int) -> RevisionDetailOut:
    return _revision(request, revision_id)


@router.post("/revisions/{revision_id}/approve", response=RevisionDetailOut,
             summary="Approve a change: it is applied to the live product")
def revision_approve(request: HttpRequest, revision_id: int,
                     payload: ReasonIn) -> RevisionDetailOut:
    services.revision_approve(operator=_user(request), revision_id=revision_id,
                              reason=payload.reason)
    return _revision(request, revision_id)


@router.post("/revisions/{revision_id}/reject", response=RevisionDetailOut,
             summary="Reject a change with a reason; the live product stays as it is")
def revision_reject(request: HttpRequest, revision_id: int,
                    payload: ReasonIn) -> RevisionDetailOut:
    services.revision_reject(operator=_user(request), revision_id=revision_id,
                             reason=payload.reason)
    return _revision(request, revision_id)


@router.get("/commission-bounds", response=BoundsOut, summary="The platform's commission bounds")
def bounds_get(request: HttpRequest) -> BoundsOut:
    low, high = selectors.commission_bounds_for_operator(user=_user(request))
    return BoundsOut(min_bps=low, max_bps=high)


@router.put("/commission-bounds", response=BoundsOut, summary="Set the commission bounds")
def bounds_set(request: HttpRequest, payload: BoundsIn) -> BoundsOut:
    bounds = services.commission_bounds_set(operator=_user(request), min_bps=payload.min_bps,
                                            max_bps=payload.max_bps)
    return BoundsOut(min_bps=bounds.min_bps, max_bps=bounds.max_bps)
