"""Who may open a product's certificate file.

Certificates are kept in the private storage, so this is the only way to one: anyone may open
an approved certificate of a product buyers can see; the merchant's staff and operators may
open every certificate of the product, including those waiting for review. Anyone else gets
``NotFound``, as if it did not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import is_operator
from trustmart.core.errors import NotFound
from trustmart.merchants.selectors import merchants_of_user

from ..models import Certificate
from .rules import products_visible

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User


def certificate_for_viewer(*, user: User | AnonymousUser, certificate_id: int) -> Certificate:
    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is not None:
        if not certificate.pending and products_visible().filter(
                pk=certificate.product_id).exists():
            return certificate
        if user.is_authenticated and (
                is_operator(user) or merchants_of_user(user=user).filter(
                    products__pk=certificate.product_id).exists()):
            return certificate
    raise NotFound(_("This certificate does not exist."), code="certificate_not_found")
