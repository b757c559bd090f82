"""Product images and certificates: uploads checked by decoding, stored through Django storage.

Images go through ``core.images.image_clean`` (JPEG, PNG or WebP, decoded, never trusted by
name or declared type) and
re-encoded as JPEG at most 1200 px wide, which also drops metadata such as GPS positions.
Certificates are an image (re-encoded the same way) or a PDF (checked to be a real PDF and
nothing else by ``core.pdf.require_pdf``, then stored as sent, in the private storage). For a
live product, adding, removing or reordering goes into its pending revision; otherwise it
applies in place.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import InvalidInput, NotFound, invalid
from trustmart.core.images import WEB_FORMATS, image_clean
from trustmart.core.pdf import looks_like_pdf, require_pdf

from ..models import Certificate, Product, ProductImage
from ._common import product_for_staff_write, require_content_editable
from .page_cache import product_page_changed
from .revisions import delete_attachments, revision_merge, wanted_attachment_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

IMAGE_MAX_BYTES = getattr(settings, "CATALOG_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
CERTIFICATE_MAX_BYTES = getattr(settings, "CATALOG_CERTIFICATE_MAX_BYTES", 10 * 1024 * 1024)
IMAGE_MAX_SIDE = 1200
MAX_IMAGES = 9
MAX_CERTIFICATES = 10


def _read(upload: UploadedFile, *, field: str, limit: int) -> bytes:
    if upload.size is None or upload.size > limit:
        raise invalid(field, _("The file is too large (at most %(mb)s MB).")
                      % {"mb": limit // (1024 * 1024)}, code="file_too_large")
    upload.seek(0)
    data = upload.read()
    if len(data) > limit:
        raise invalid(field, _("The file is too large (at most %(mb)s MB).")
                      % {"mb": limit // (1024 * 1024)}, code="file_too_large")
    return data


def reencode_image(data: bytes, *, field: str) -> bytes:
    """Decode ``data`` as a JPEG, PNG or WebP image and return it as a clean JPEG."""
    return image_clean(data, field=field, max_bytes=len(data), formats=WEB_FORMATS,
                       max_side=IMAGE_MAX_SIDE).data


# --- images -------------------------------------------------------------------------------
def product_image_add(*, user: User | AnonymousUser, product_id: int,
                      upload: UploadedFile) -> ProductImage:
    data = image_clean(upload, field="image", max_bytes=IMAGE_MAX_BYTES, formats=WEB_FORMATS,
                       max_side=IMAGE_MAX_SIDE).data
    return product_image_add_bytes(user=user, product_id=product_id, jpeg=data)


def product_image_add_bytes(*, user: User | AnonymousUser, product_id: int,
                            jpeg: bytes) -> ProductImage:
    """Store an already checked JPEG (the demo reuses one generated image for many products)."""
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        require_content_editable(product)
        product_page_changed(product.pk)
        live = product.status == Product.Status.LIVE
        wanted = wanted_attachment_ids(product, "images")
        if len(wanted) >= MAX_IMAGES:
            raise invalid("image", _("A product has at most 9 images."),
                          code="too_many_images")
        last = ProductImage.objects.filter(product=product).aggregate(m=Max("position"))["m"]
        image = ProductImage(product=product, pending=live,
                             position=0 if last is None else last + 1)
        image.image.save("image.jpg", ContentFile(jpeg), save=False)
        image.save()
        if live:
            revision_merge(product=product, user=user, changes={"images": [*wanted, image.pk]})
    return image


def product_images_reorder(*, user: User | AnonymousUser, product_id: int,
                           image_ids: list[int]) -> list[int]:
    """Put the images in this order (the first is the main image)."""
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        require_content_editable(product)
        product_page_changed(product.pk)
        wanted = wanted_attachment_ids(product, "images")
        if sorted(image_ids) != sorted(wanted) or len(set(image_ids)) != len(image_ids):
            raise invalid("image_ids", _("List every image of the product exactly once."),
                          code="invalid_image_order")
        if product.status == Product.Status.LIVE:
            revision_merge(product=product, user=user, changes={"images": list(image_ids)})
        else:
            for position, pk in enumerate(image_ids):
                ProductImage.objects.filter(pk=pk, product=product).update(position=position)
    return list(image_ids)


def product_image_delete(*, user: User | AnonymousUser, image_id: int) -> int:
    """Delete an image (of a live product: once the revision is approved); returns the
    product's id."""
    with transaction.atomic():
        product_id = ProductImage.objects.filter(pk=image_id).values_list(
            "product_id", flat=True).first()
        if product_id is None:
            raise NotFound(_("This image does not exist."), code="image_not_found")
        try:
            product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        except NotFound as exc:
            raise NotFound(_("This image does not exist."), code="image_not_found") from exc
        require_content_editable(product)
        product_page_changed(product.pk)
        image = ProductImage.objects.get(pk=image_id)
        if product.status != Product.Status.LIVE:
            delete_attachments([image])
            return product.pk
        wanted = [pk for pk in wanted_attachment_ids(product, "images") if pk != image_id]
        if not wanted:
            raise invalid("image", _("A live product needs at least one image."),
                          code="image_required")
        revision_merge(product=product, user=user, changes={"images": wanted})
    return product.pk


# --- certificates -------------------------------------------------------------------------
def certificate_add(*, user: User | AnonymousUser, product_id: int, name: str,
                    upload: UploadedFile, issued_by: str = "",
                    valid_until: date | None = None) -> Certificate:
    name = " ".join((name or "").split())
    issued_by = " ".join((issued_by or "").split())
    if not 1 <= len(name) <= 60:
        raise invalid("name", _("Name the certificate (at most 60 characters)."),
                      code="invalid_certificate_name")
    if len(issued_by) > 100:
        raise invalid("issued_by", _("The issuer has at most 100 characters."),
                      code="invalid_issued_by")
    if valid_until is not None and valid_until < timezone.localdate():
        raise invalid("valid_until", _("This certificate has expired."),
                      code="certificate_expired")
    data = _read(upload, field="file", limit=CERTIFICATE_MAX_BYTES)
    if looks_like_pdf(data):
        require_pdf(data, field="file")
        content, filename = data, "certificate.pdf"
    else:
        try:
            content, filename = reencode_image(data, field="file"), "certificate.jpg"
        except InvalidInput as exc:
            raise invalid("file", _("Upload an image (JPEG, PNG, WebP) or a PDF."),
                          code="invalid_file_type") from exc
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        require_content_editable(product)
        product_page_changed(product.pk)
        live = product.status == Product.Status.LIVE
        wanted = wanted_attachment_ids(product, "certificates")
        if len(wanted) >= MAX_CERTIFICATES:
            raise invalid("file", _("A product has at most 10 certificates."),
                          code="too_many_certificates")
        certificate = Certificate(product=product, name=name, issued_by=issued_by,
                                  valid_until=valid_until, pending=live)
        certificate.file.save(filename, ContentFile(content), save=False)
        certificate.save()
        if live:
            revision_merge(product=product, user=user,
                           changes={"certificates": [*wanted, certificate.pk]})
    return certificate


def certificate_delete(*, user: User | AnonymousUser, certificate_id: int) -> int:
    """Delete a certificate (of a live product: once approved); returns the product's id."""
    with transaction.atomic():
        product_id = Certificate.objects.filter(pk=certificate_id).values_list(
            "product_id", flat=True).first()
        if product_id is None:
            raise NotFound(_("This certificate does not exist."), code="certificate_not_found")
        try:
            product = product_for_staff_write(user=user, product_id=product_id, lock=True)
        except NotFound as exc:
            raise NotFound(_("This certificate does not exist."),
                           code="certificate_not_found") from exc
        require_content_editable(product)
        product_page_changed(product.pk)
        certificate = Certificate.objects.get(pk=certificate_id)
        if product.status != Product.Status.LIVE:
            delete_attachments([certificate])
            return product.pk
        wanted = [pk for pk in wanted_attachment_ids(product, "certificates")
                  if pk != certificate_id]
        revision_merge(product=product, user=user, changes={"certificates": wanted})
    return product.pk
