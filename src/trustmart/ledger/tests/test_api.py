from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from trustmart.accounts.models import User
from trustmart.ledger.models import Account, Journal, Purpose
from trustmart.ledger.services import Leg, post

Fund = Callable[[Account, int], Journal]
ClientFor = Callable[[User], Client]


@pytest.fixture
def statement_url(escrow: Account, payable: Account, fund: Fund) -> str:
    fund(escrow, 1_000)
    post(entries=[Leg.debit(escrow, 400), Leg.credit(payable, 400)], kind="order.settle",
         reference="order:9:settle", memo="order 9")
    return f"/api/ledger/accounts/{escrow.pk}/statement"


def test_an_operator_sees_the_statement_newest_first(
        operator: User, api_client_for: ClientFor, statement_url: str) -> None:
    response = api_client_for(operator).get(statement_url)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    newest, oldest = body["items"]
    assert (newest["kind"], newest["reference"], newest["side"]) == (
        "order.settle", "order:9:settle", "debit")
    assert (newest["signed_amount_fen"], newest["running_balance_fen"]) == (-400, 600)
    assert (oldest["signed_amount_fen"], oldest["running_balance_fen"]) == (1_000, 1_000)


def test_statement_pages_keep_exact_running_balances(
        operator: User, api_client_for: ClientFor, statement_url: str) -> None:
    body = api_client_for(operator).get(statement_url, {"limit": 1, "offset": 1}).json()
    assert [item["running_balance_fen"] for item in body["items"]] == [1_000]


def test_staff_see_accounts_filtered_and_by_id(
        make_user: Callable[..., User], statement_url: str, escrow: Account,
        payable: Account) -> None:
    client = Client()
    client.force_login(make_user("staff", is_staff=True))

    listed = client.get("/api/ledger/accounts", {"owner_type": "merchant", "owner_id": "7"}).json()
    by_purpose = client.get("/api/ledger/accounts",
                            {"purpose": Purpose.PLATFORM_ESCROW}).json()
    detail = client.get(f"/api/ledger/accounts/{escrow.pk}").json()

    assert [a["id"] for a in listed["items"]] == [payable.pk]
    assert [a["id"] for a in by_purpose["items"]] == [escrow.pk]
    assert (detail["balance_fen"], detail["available_fen"], detail["allow_negative"]) == (
        600, 600, False)


@pytest.mark.parametrize("path", ["/api/ledger/accounts", "/api/ledger/accounts/{id}",
                                  "/api/ledger/accounts/{id}/statement"])
def test_anyone_else_gets_not_found(user: User, api_client_for: ClientFor, escrow: Account,
                                    path: str) -> None:
    response = api_client_for(user).get(path.format(id=escrow.pk))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == {"code", "message"}


@pytest.mark.parametrize("path", ["/api/ledger/accounts", "/api/ledger/accounts/{id}",
                                  "/api/ledger/accounts/{id}/statement"])
def test_without_credentials_the_api_asks_to_log_in(escrow: Account, path: str) -> None:
    response = Client().get(path.format(id=escrow.pk))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_an_unknown_account_is_not_found_for_operators(operator: User,
                                                       api_client_for: ClientFor) -> None:
    client = api_client_for(operator)
    for path in ("/api/ledger/accounts/999999", "/api/ledger/accounts/999999/statement"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
