"""Fixtures for payments: approved merchants, made with the ORM as the merchants app leaves them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone

from trustmart.accounts.models import User
from trustmart.ledger.selectors import ledger_check
from trustmart.merchants.models import Merchant, MerchantApplication, MerchantStaff

REQUIRED_FEN = 5_000_00  # ¥5000


@pytest.fixture
def make_merchant(make_user: Callable[..., User]) -> Callable[..., Merchant]:
    counter = iter(range(1, 1000))

    def make(owner: User | None = None, *, required_fen: int = REQUIRED_FEN,
             application_status: str = MerchantApplication.Status.APPROVED,
             status: str = Merchant.Status.ACTIVE, name: str = "") -> Merchant:
        n = next(counter)
        owner = owner or make_user(f"店长{n}")
        credit_code = f"91330100MA{n:07d}X"
        application = MerchantApplication.objects.create(
            applicant=owner, company_name=f"山水茶业{n}有限公司", credit_code=credit_code,
            legal_representative="王建国", contact_name="王建国", contact_mobile=owner.mobile,
            brand_name=name or f"山水茶业{n}", business_licence="merchant-papers/l.pdf",
            brand_authorisation="merchant-papers/a.pdf", status=application_status,
            decided_at=timezone.now())
        merchant = Merchant.objects.create(
            owner=owner, application=application, name=name or f"山水茶业{n}",
            company_name=application.company_name, credit_code=credit_code, status=status,
            deposit_required_fen=required_fen)
        MerchantStaff.objects.create(merchant=merchant, user=owner, role=MerchantStaff.Role.OWNER)
        return merchant

    return make


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("王建国")


@pytest.fixture
def merchant(make_merchant: Callable[..., Merchant], owner: User) -> Merchant:
    return make_merchant(owner, name="山水茶业")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    return make_user("路人甲")


@pytest.fixture
def books_stay_sound(db: None) -> Iterator[None]:
    """Assert the ledger's invariants after the test, whatever it did."""
    yield
    assert ledger_check() == []
