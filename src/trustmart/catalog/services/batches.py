"""Production batches (批次): when a batch was made and how long it keeps.

``expires_on`` is computed, never typed. A production date in the future is refused; a batch is
sellable while today is before its expiry date, and sales use the earliest-expiring sellable
batch first (FEFO). Batch changes apply at once, even on a live product.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import NotFound, invalid

from ..models import Batch
from ._common import product_for_staff_write
from .page_cache import product_page_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

BATCH_NO = re.compile(r"^[0-9A-Za-z._/-]{1,40}$")
MAX_SHELF_LIFE_DAYS = 365 * 10


def batch_add(*, user: User | AnonymousUser, product_id: int, batch_no: str,
              production_date: date, shelf_life_days: int,
              quantity: int | None = None) -> Batch:
    batch_no = (batch_no or "").strip()
    if not BATCH_NO.match(batch_no):
        raise invalid("batch_no", _("A batch number has 1 to 40 letters, digits or . _ / -."),
                      code="invalid_batch_no")
    if not isinstance(production_date, date):
        raise invalid("production_date", _("Enter the production date."),
                      code="invalid_production_date")
    if production_date > timezone.localdate():
        raise invalid("production_date", _("The production date cannot be in the future."),
                      code="batch_in_future")
    if (isinstance(shelf_life_days, bool) or not isinstance(shelf_life_days, int)
            or not 1 <= shelf_life_days <= MAX_SHELF_LIFE_DAYS):
        raise invalid("shelf_life_days", _("The shelf life is 1 to 3650 days."),
                      code="invalid_shelf_life")
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)
                                 or quantity < 1):
        raise invalid("quantity", _("The quantity is empty or at least 1."),
                      code="invalid_quantity")
    with transaction.atomic():
        product = product_for_staff_write(user=user, product_id=product_id)
        product_page_changed(product.pk)
        try:
            with transaction.atomic():
                return Batch.objects.create(
                    product=product, batch_no=batch_no, production_date=production_date,
                    shelf_life_days=shelf_life_days, quantity=quantity,
                    expires_on=Batch.expiry_of(production_date, shelf_life_days))
        except IntegrityError as exc:
            raise invalid("batch_no", _("This product already has a batch with this number."),
                          code="duplicate_batch_no") from exc


def batch_delete(*, user: User | AnonymousUser, batch_id: int) -> int:
    """Delete a batch; returns its product's id."""
    with transaction.atomic():
        product_id = Batch.objects.filter(pk=batch_id).values_list("product_id",
                                                                   flat=True).first()
        if product_id is None:
            raise NotFound(_("This batch does not exist."), code="batch_not_found")
        try:
            product_for_staff_write(user=user, product_id=product_id)
        except NotFound as exc:
            raise NotFound(_("This batch does not exist."), code="batch_not_found") from exc
        Batch.objects.filter(pk=batch_id).delete()
        product_page_changed(product_id)
    return product_id
