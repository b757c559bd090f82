from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.ledger.models import Account, Journal
from trustmart.ledger.services import Leg, post

Fund = Callable[[Account, int], Journal]


@pytest.fixture
def admin_client_(make_user: Callable[..., User]) -> Client:
    client = Client()
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    return client


def test_the_account_page_shows_the_statement_with_running_balance(
        admin_client_: Client, escrow: Account, payable: Account, fund: Fund) -> None:
    fund(escrow, 1_000)
    post(entries=[Leg.debit(escrow, 250), Leg.credit(payable, 250)], kind="order.settle",
         reference="order:3:settle")

    page = admin_client_.get(f"/admin/ledger/account/{escrow.pk}/change/",
                             HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="ledger-statement"' in html
    assert "order:3:settle" in html
    assert "-¥2.50" in html and "¥7.50" in html and "¥10.00" in html
    assert 'name="_save"' not in html  # read-only: no save button


def test_the_ledger_admin_changes_nothing(admin_client_: Client, escrow: Account,
                                          fund: Fund) -> None:
    journal = fund(escrow, 1_000)

    assert admin_client_.get("/admin/ledger/account/?purpose=platform_escrow").status_code == 200
    assert admin_client_.get("/admin/ledger/account/?q=abc").status_code == 200
    assert admin_client_.get(f"/admin/ledger/journal/{journal.pk}/change/").status_code == 200
    assert admin_client_.get("/admin/ledger/hold/").status_code == 200
    assert admin_client_.get("/admin/ledger/account/add/").status_code == 403
    assert admin_client_.post(f"/admin/ledger/account/{escrow.pk}/change/",
                              {"owner_type": "x"}).status_code == 403
    assert admin_client_.post(f"/admin/ledger/journal/{journal.pk}/delete/",
                              {"post": "yes"}).status_code == 403
    assert Account.objects.get(pk=escrow.pk).balance_fen == 1_000
