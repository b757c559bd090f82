"""The product and revision state machines, checked with the shared helper."""

from __future__ import annotations

from trustmart.accounts.models import User
from trustmart.catalog.models import Category, Product, ProductRevision
from trustmart.catalog.services.review import PRODUCT_STATES
from trustmart.catalog.services.revisions import REVISION_STATES
from trustmart.core.testing import assert_state_machine
from trustmart.merchants.models import Merchant

from .factories import make_product


def test_product_moves(seller: User, merchant: Merchant, tea: Category) -> None:
    assert_state_machine(PRODUCT_STATES, lambda: make_product(seller, merchant, tea),
                         initial=[Product.Status.DRAFT])


def test_revision_moves(seller: User, merchant: Merchant, tea: Category) -> None:
    def make() -> ProductRevision:
        return ProductRevision.objects.create(product=make_product(seller, merchant, tea),
                                              changes={"name": "新名字"}, submitted_by=seller)

    assert_state_machine(REVISION_STATES, make, initial=[ProductRevision.Status.PENDING])
