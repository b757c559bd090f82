"""Operator-only REST endpoints to look at the ledger. There are no write endpoints: money moves
only through the services other apps call."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from trustmart.accounts.auth import token_or_session
from trustmart.accounts.selectors import require_operator

from . import selectors
from .models import Account, Entry

router = Router(tags=["ledger"], auth=token_or_session)


class AccountOut(Schema):
    id: int
    owner_type: str
    owner_id: int | None
    purpose: str
    allow_negative: bool
    balance_fen: int
    available_fen: int
    debits_posted_fen: int
    credits_posted_fen: int
    debits_pending_fen: int
    credits_pending_fen: int
    created_at: datetime


class StatementLineOut(Schema):
    id: int
    journal_id: int
    kind: str
    reference: str | None
    memo: str
    posted_at: datetime
    side: str
    amount_fen: int
    signed_amount_fen: int
    running_balance_fen: int

    @staticmethod
    def resolve_kind(obj: Entry) -> str:
        return obj.journal.kind

    @staticmethod
    def resolve_reference(obj: Entry) -> str | None:
        return obj.journal.reference

    @staticmethod
    def resolve_memo(obj: Entry) -> str:
        return obj.journal.memo

    @staticmethod
    def resolve_posted_at(obj: Entry) -> datetime:
        return obj.journal.posted_at


@router.get("/accounts", response=list[AccountOut], summary="Ledger accounts (operators only)")
@paginate
def account_list(request: HttpRequest, owner_type: str | None = None,
                 owner_id: int | None = None, purpose: str | None = None) -> QuerySet[Account]:
    require_operator(request.auth)  # type: ignore[attr-defined]
    return selectors.account_list(owner_type=owner_type, owner_id=owner_id, purpose=purpose)


@router.get("/accounts/{account_id}", response=AccountOut,
            summary="One ledger account with its balances (operators only)")
def account_detail(request: HttpRequest, account_id: int) -> Account:
    require_operator(request.auth)  # type: ignore[attr-defined]
    return selectors.account_get(account_id=account_id)


@router.get("/accounts/{account_id}/statement", response=list[StatementLineOut],
            summary="An account's entries, newest first, with the running balance after each")
@paginate
def account_statement(request: HttpRequest, account_id: int) -> QuerySet[Entry]:
    require_operator(request.auth)  # type: ignore[attr-defined]
    account = selectors.account_get(account_id=account_id)
    return selectors.account_statement(account=account, newest_first=True)
