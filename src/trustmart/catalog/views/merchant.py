"""The merchant console for products (/merchant/products/): list, create, edit, SKUs and stock,
batches, certificates, images, submit for review.

Thin: each view parses a form, calls one service and shows its result or error. A user who works
for several merchants picks one with ``?merchant=<id>``; another merchant's product is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.http import domain_errors
from trustmart.merchants.models import Merchant
from trustmart.merchants.selectors import merchant_for_staff, merchants_of_user

from .. import selectors, services
from ..forms import (
    BatchForm,
    CertificateForm,
    ImageForm,
    ProductCreateForm,
    ProductForm,
    SkuForm,
    SpecsForm,
    spec_options_text,
)
from ..models import Product
from ._common import form_error, int_or_none

CONTENT = ("name", "subtitle", "brand", "description", "category_id", "manufacturer",
           "place_of_origin", "production_licence_no")


def _pick(request: HttpRequest) -> Merchant | None:
    raw = request.POST.get("merchant") or request.GET.get("merchant")
    if raw:
        merchant_id = int_or_none(raw)
        if merchant_id is None:
            raise NotFound()
        return merchant_for_staff(user=request.user, merchant_id=merchant_id)
    return merchants_of_user(user=request.user).first()


def _can_list(merchant: Merchant) -> bool:
    return merchant.status == Merchant.Status.ACTIVE and merchant.deposit_ok


def _product_url(product_id: int, section: str = "") -> str:
    name = f"catalog:merchant_product{'_' + section if section else ''}"
    return reverse(name, args=[product_id])


def _page_context(request: HttpRequest, product_id: int, section: str) -> dict[str, Any]:
    page = selectors.product_for_staff(user=request.user, product_id=product_id)
    return {"page": page, "product": page.product, "merchant": page.product.merchant,
            "section": section, "revision": selectors.revision_pending_of(product=page.product),
            "can_list": _can_list(page.product.merchant), "today": timezone.localdate()}


@login_required
@domain_errors
def product_list(request: HttpRequest) -> HttpResponse:
    merchant = _pick(request)
    if merchant is None:
        return render(request, "catalog/merchant/no_merchant.html")
    status = request.GET.get("status") or None
    if status not in Product.Status.values:
        status = None
    counts = selectors.merchant_status_counts(user=request.user, merchant_id=merchant.pk)
    return render(request, "catalog/merchant/products.html", {
        "merchant": merchant, "merchants": merchants_of_user(user=request.user),
        "products": selectors.products_of_merchant(user=request.user, merchant_id=merchant.pk,
                                                   status=status)[:200],
        "status": status, "counts": counts, "total": sum(counts.values()),
        "statuses": Product.Status.choices, "can_list": _can_list(merchant),
    })


@login_required
@domain_errors
def product_new(request: HttpRequest) -> HttpResponse:
    merchant = _pick(request)
    if merchant is None:
        return render(request, "catalog/merchant/no_merchant.html")
    low, high = selectors.commission_bounds()
    form = ProductCreateForm(request.POST or None,
                             categories=selectors.categories_for_listing(merchant=merchant),
                             initial={"commission_bps": low, "stock": 0})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.product_create(
                user=request.user, merchant_id=merchant.pk,
                **{k: data[k] for k in CONTENT}, commission_bps=data["commission_bps"],
                purchase_limit=data["purchase_limit"], options=data["specs"],
                price_fen=data["price"], stock=data["stock"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Draft saved. Add images (and batches) and submit it "
                                        "for review."))
            return redirect(_product_url(product.pk, "images"))
    return render(request, "catalog/merchant/product_form.html", {
        "form": form, "merchant": merchant, "creating": True, "bounds": (low, high),
        "can_list": _can_list(merchant)})


@login_required
@domain_errors
def product_overview(request: HttpRequest, product_id: int) -> HttpResponse:
    context = _page_context(request, product_id, "")
    product = context["product"]
    context.update({
        "missing": selectors.product_missing(product),
        "reviews": list(selectors.product_reviews(product=product)[:20]),
        "submittable": product.status in services.TRANSITIONS["submit"][0],
    })
    return render(request, "catalog/merchant/product.html", context)


@login_required
@domain_errors
def product_edit(request: HttpRequest, product_id: int) -> HttpResponse:
    context = _page_context(request, product_id, "edit")
    product, revision = context["product"], context["revision"]
    initial: dict[str, Any] = {k: getattr(product, k) for k in CONTENT}
    initial.update({k: v for k, v in (revision.changes if revision else {}).items()
                    if k in CONTENT})
    initial.update(commission_bps=product.commission_bps, purchase_limit=product.purchase_limit)
    form = ProductForm(request.POST or None, initial=initial,
                       categories=selectors.categories_for_listing(merchant=product.merchant))
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.product_update(user=request.user, product_id=product.pk,
                                              **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            if updated.status == Product.Status.LIVE and selectors.revision_pending_of(
                    product=updated):
                messages.success(request, _("Changes sent for review. The live version stays "
                                            "on sale until an operator approves them."))
            else:
                messages.success(request, _("Saved."))
            return redirect(_product_url(product.pk))
    context.update(form=form, bounds=selectors.commission_bounds())
    return render(request, "catalog/merchant/product_form.html", context)


@login_required
@domain_errors
def product_skus(request: HttpRequest, product_id: int) -> HttpResponse:
    context = _page_context(request, product_id, "skus")
    page = context["page"]
    form = SpecsForm(request.POST or None, initial={
        "specs": spec_options_text(page.options), "price": page.price_min_fen, "stock": 0})
    if request.method == "POST" and form.is_valid():
        try:
            services.product_skus_define(user=request.user, product_id=product_id,
                                         options=form.cleaned_data["specs"],
                                         price_fen=form.cleaned_data["price"],
                                         stock=form.cleaned_data["stock"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Specs saved."))
            return redirect(_product_url(product_id, "skus"))
    context.update(form=form, rows=[_sku_row(s) for s in page.skus])
    return render(request, "catalog/merchant/skus.html", context)


def _sku_row(sku: Any, form: SkuForm | None = None, saved: bool = False) -> dict[str, Any]:
    return {"sku": sku, "saved": saved, "form": form or SkuForm(
        prefix=f"sku{sku.pk}",
        initial={"price": sku.price_fen, "stock": sku.stock, "barcode": sku.barcode})}


@login_required
@require_POST
@domain_errors
def sku_update(request: HttpRequest, sku_id: int) -> HttpResponse:
    """htmx: save one SKU row (price, stock, barcode) and answer with the row."""
    sku = selectors.sku_for_staff(user=request.user, sku_id=sku_id)
    form = SkuForm(request.POST, prefix=f"sku{sku.pk}")
    saved = False
    if form.is_valid():
        try:
            sku = services.sku_update(user=request.user, sku_id=sku.pk,
                                      price_fen=form.cleaned_data["price"],
                                      stock=form.cleaned_data["stock"],
                                      barcode=form.cleaned_data["barcode"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            saved, form = True, None  # type: ignore[assignment]
    if not request.htmx:  # type: ignore[attr-defined]
        if saved:
            messages.success(request, _("Saved."))
        else:
            messages.error(request, " ".join(str(e) for e in form.errors.values()))
        return redirect(_product_url(sku.product_id, "skus"))
    return render(request, "catalog/merchant/_sku_row.html", {"row": _sku_row(sku, form, saved)})


@login_required
@domain_errors
def product_batches(request: HttpRequest, product_id: int) -> HttpResponse:
    context = _page_context(request, product_id, "batches")
    form = BatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_add(user=request.user, product_id=product_id, **form.cleaned_data)
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Batch added."))
            return redirect(_product_url(product_id, "batches"))
    context["form"] = form
    return render(request, "catalog/merchant/batches.html", context)


@login_required
@require_POST
@domain_errors
def batch_delete(request: HttpRequest, batch_id: int) -> HttpResponse:
    product_id = services.batch_delete(user=request.user, batch_id=batch_id)
    messages.success(request, _("Batch deleted."))
    return redirect(_product_url(product_id, "batches"))


@login_required
@domain_errors
def product_certificates(request: HttpRequest, product_id: int) -> HttpResponse:
    context = _page_context(request, product_id, "certificates")
    form = CertificateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.certificate_add(user=request.user, product_id=product_id, name=data["name"],
                                     issued_by=data["issued_by"],
                                     valid_until=data["valid_until"], upload=data["file"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Certificate added."))
            return redirect(_product_url(product_id, "certificates"))
    context.update(form=form, attachments=selectors.attachments_for_staff(
        page=context["page"], key="certificates", revision=context["revision"]))
    return render(request, "catalog/merchant/certificates.html", context)


@login_required
@require_POST
@domain_errors
def certificate_delete(request: HttpRequest, certificate_id: int) -> HttpResponse:
    product_id = services.certificate_delete(user=request.user, certificate_id=certificate_id)
    messages.success(request, _("Certificate removed."))
    return redirect(_product_url(product_id, "certificates"))


@login_required
@domain_errors
def product_images(request: HttpRequest, product_id: int) -> HttpResponse:
    context = _page_context(request, product_id, "images")
    form = ImageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_image_add(user=request.user, product_id=product_id,
                                       upload=form.cleaned_data["image"])
        except DomainError as exc:
            form_error(form, exc)
        else:
            messages.success(request, _("Image added."))
            return redirect(_product_url(product_id, "images"))
    context.update(form=form, attachments=selectors.attachments_for_staff(
        page=context["page"], key="images", revision=context["revision"]))
    return render(request, "catalog/merchant/images.html", context)


@login_required
@require_POST
@domain_errors
def image_action(request: HttpRequest, product_id: int, image_id: int, action: str
                 ) -> HttpResponse:
    """Move an image up or down (the first is the main image), or delete it."""
    try:
        if action == "delete":
            services.product_image_delete(user=request.user, image_id=image_id)
        elif action in ("up", "down", "first"):
            context = _page_context(request, product_id, "images")
            order = [i.pk for i in selectors.attachments_for_staff(
                page=context["page"], key="images", revision=context["revision"]).wanted]
            if image_id not in order:
                raise NotFound()
            at = order.index(image_id)
            to = {"up": max(at - 1, 0), "down": min(at + 1, len(order) - 1), "first": 0}[action]
            order.insert(to, order.pop(at))
            services.product_images_reorder(user=request.user, product_id=product_id,
                                            image_ids=order)
        else:
            raise NotFound()
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect(_product_url(product_id, "images"))


@login_required
@require_POST
@domain_errors
def product_submit(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        services.product_submit(user=request.user, product_id=product_id)
    except NotFound:
        raise
    except DomainError as exc:
        details = [m for field_messages in exc.fields.values() for m in field_messages]
        messages.error(request, " ".join([str(exc.message), *details]))
    else:
        messages.success(request, _("Submitted. An operator will review it soon."))
    return redirect(_product_url(product_id))


@login_required
@require_POST
@domain_errors
def revision_withdraw(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        services.revision_withdraw(user=request.user, product_id=product_id)
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.code != "revision_not_found":
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Pending change withdrawn."))
    return redirect(_product_url(product_id))
