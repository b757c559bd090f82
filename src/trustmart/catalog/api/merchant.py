"""The merchant console API: products, SKUs and stock, batches, images, certificates, submit.

Every endpoint acts for the logged-in user through ``merchant_for_staff``: another merchant's
objects are 404, and writes need an active merchant whose deposit is paid.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import app_or_user, token_or_session
from trustmart.core.errors import NotFound, invalid
from trustmart.core.idempotency import idempotent

from .. import selectors, services
from ..models import Product
from ..services import SkuInput, SpecOptionInput
from .schemas import (
    BatchIn,
    BatchOut,
    CertificateOut,
    ImageOrderIn,
    ImageOut,
    MerchantProductCardOut,
    MerchantProductOut,
    ProductIn,
    ProductPatch,
    SkuOut,
    SkuPatch,
    SkusIn,
    StockIn,
    batch_out,
    certificate_out,
    image_out,
    merchant_product,
)

router = Router(tags=["catalog: merchant"], auth=token_or_session)
# What a third-party app needs to call each endpoint (docs/developers.md).
READ, WRITE, STOCK = (app_or_user("products:read"), app_or_user("products:write"),
                      app_or_user("stock:write"))


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _merchant_id(request: HttpRequest, merchant_id: int | None) -> int:
    if merchant_id is not None:
        return merchant_id
    merchant = selectors.default_merchant_of(user=_user(request))
    if merchant is None:
        raise NotFound(_("You do not work for a merchant."), code="merchant_not_found")
    return merchant.pk


def _detail(request: HttpRequest, product_id: int) -> MerchantProductOut:
    return merchant_product(selectors.product_for_staff(user=_user(request),
                                                        product_id=product_id))


def _sku_inputs(payload: SkusIn) -> dict[str, Any]:
    return {
        "options": [SpecOptionInput(o.name, list(o.values)) for o in payload.options],
        "skus": None if payload.skus is None else [
            SkuInput(specs=dict(s.specs), price_fen=s.price_fen, stock=s.stock,
                     barcode=s.barcode) for s in payload.skus],
        "price_fen": payload.price_fen, "stock": payload.stock,
    }


@router.get("/products", auth=READ, response=list[MerchantProductCardOut],
            summary="My merchant's products (any status); filter by status")
@paginate
def product_list(request: HttpRequest, merchant_id: int | None = None,
                 status: str | None = None) -> QuerySet[Product]:
    return selectors.products_of_merchant(user=_user(request),
                                          merchant_id=_merchant_id(request, merchant_id),
                                          status=status)


@router.post("/products", auth=WRITE, response={201: MerchantProductOut},
             summary="Create a draft product with its SKUs (matrix of options, or explicit)")
@decorate_view(idempotent)
def product_create(request: HttpRequest, payload: ProductIn) -> Status[MerchantProductOut]:
    data = payload.dict(exclude={"options", "skus", "price_fen", "stock", "merchant_id"})
    product = services.product_create(user=_user(request),
                                      merchant_id=_merchant_id(request, payload.merchant_id),
                                      **data, **_sku_inputs(payload))
    return Status(201, _detail(request, product.pk))


@router.get("/products/{product_id}", auth=READ, response=MerchantProductOut,
            summary="One of my products, with pending uploads, revision and review history")
def product_get(request: HttpRequest, product_id: int) -> MerchantProductOut:
    return _detail(request, product_id)


@router.patch("/products/{product_id}", auth=WRITE, response=MerchantProductOut,
              summary="Edit; content of a live product becomes a revision for review")
def product_patch(request: HttpRequest, product_id: int,
                  payload: ProductPatch) -> MerchantProductOut:
    services.product_update(user=_user(request), product_id=product_id,
                            **payload.dict(exclude_unset=True))
    return _detail(request, product_id)


@router.post("/products/{product_id}/submit", auth=WRITE, response=MerchantProductOut,
             summary="Ask for review (draft, rejected or taken down → pending)")
def product_submit(request: HttpRequest, product_id: int) -> MerchantProductOut:
    services.product_submit(user=_user(request), product_id=product_id)
    return _detail(request, product_id)


@router.post("/products/{product_id}/revision/withdraw", auth=WRITE, response=MerchantProductOut,
             summary="Withdraw the pending change of a live product")
def revision_withdraw(request: HttpRequest, product_id: int) -> MerchantProductOut:
    services.revision_withdraw(user=_user(request), product_id=product_id)
    return _detail(request, product_id)


@router.put("/products/{product_id}/skus", auth=WRITE, response=list[SkuOut],
            summary="Define spec options and SKUs (applies at once)")
def skus_define(request: HttpRequest, product_id: int, payload: SkusIn) -> list[SkuOut]:
    skus = services.product_skus_define(user=_user(request), product_id=product_id,
                                        **_sku_inputs(payload))
    return [SkuOut.from_orm(s) for s in skus]


@router.patch("/skus/{sku_id}", auth=WRITE, response=SkuOut,
              summary="Change a SKU's price or barcode, or (de)activate it")
def sku_patch(request: HttpRequest, sku_id: int, payload: SkuPatch) -> SkuOut:
    return SkuOut.from_orm(services.sku_update(user=_user(request), sku_id=sku_id,
                                               **payload.dict(exclude_unset=True)))


@router.post("/skus/{sku_id}/stock", auth=STOCK, response=SkuOut,
             summary="Set stock, or adjust it by a delta (never below zero)")
def sku_stock(request: HttpRequest, sku_id: int, payload: StockIn) -> SkuOut:
    if (payload.stock is None) == (payload.delta is None):
        raise invalid("stock", _("Send either stock or delta."), code="invalid_stock")
    if payload.delta is not None:
        sku = services.sku_stock_adjust(user=_user(request), sku_id=sku_id, delta=payload.delta)
    else:
        assert payload.stock is not None
        sku = services.sku_stock_set(user=_user(request), sku_id=sku_id, stock=payload.stock)
    return SkuOut.from_orm(sku)


@router.post("/products/{product_id}/batches", auth=WRITE, response={201: BatchOut},
             summary="Add a production batch (expiry is computed)")
@decorate_view(idempotent)
def batch_add(request: HttpRequest, product_id: int, payload: BatchIn) -> Status[BatchOut]:
    batch = services.batch_add(user=_user(request), product_id=product_id, **payload.dict())
    return Status(201, batch_out(batch))


@router.delete("/batches/{batch_id}", auth=WRITE, response={204: None}, summary="Delete a batch")
def batch_delete(request: HttpRequest, batch_id: int) -> Status[None]:
    services.batch_delete(user=_user(request), batch_id=batch_id)
    return Status(204, None)


@router.post("/products/{product_id}/images", auth=WRITE, response={201: ImageOut},
             summary="Upload an image (JPEG, PNG or WebP, at most 5 MB)")
@decorate_view(idempotent)
def image_add(request: HttpRequest, product_id: int,
              image: File[UploadedFile]) -> Status[ImageOut]:
    added = services.product_image_add(user=_user(request), product_id=product_id, upload=image)
    return Status(201, image_out(added))


@router.put("/products/{product_id}/images/order", auth=WRITE, response=list[int],
            summary="Reorder images; the first is the main image")
def image_order(request: HttpRequest, product_id: int, payload: ImageOrderIn) -> list[int]:
    return services.product_images_reorder(user=_user(request), product_id=product_id,
                                           image_ids=payload.image_ids)


@router.delete("/images/{image_id}", auth=WRITE, response={204: None}, summary="Delete an image")
def image_delete(request: HttpRequest, image_id: int) -> Status[None]:
    services.product_image_delete(user=_user(request), image_id=image_id)
    return Status(204, None)


@router.post("/products/{product_id}/certificates", auth=WRITE, response={201: CertificateOut},
             summary="Upload a certificate (image or PDF, at most 10 MB)")
@decorate_view(idempotent)
def certificate_add(request: HttpRequest, product_id: int, name: Form[str],
                    file: File[UploadedFile], issued_by: Form[str] = "",
                    valid_until: Form[date | None] = None) -> Status[CertificateOut]:
    certificate = services.certificate_add(user=_user(request), product_id=product_id,
                                           name=name, upload=file, issued_by=issued_by,
                                           valid_until=valid_until)
    return Status(201, certificate_out(certificate))


@router.delete("/certificates/{certificate_id}", auth=WRITE, response={204: None},
               summary="Delete a certificate")
def certificate_delete(request: HttpRequest, certificate_id: int) -> Status[None]:
    services.certificate_delete(user=_user(request), certificate_id=certificate_id)
    return Status(204, None)
