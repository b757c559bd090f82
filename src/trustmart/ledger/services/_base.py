"""What every ledger write shares: validation, the locked section, journal rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, InvalidInput, NotFound, invalid

from ..lock_objects import accounts_lock
from ..models import Account, Entry, Hold, Journal, Side

KIND_MAX = 50
REFERENCE_MAX = 150
MEMO_MAX = 200
OWNER_TYPE_MAX = 20
HOLDS_CHUNK = 500  # rows per set-based statement: well inside every database's parameter limit


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_message = _("There is not enough money available in this account.")


@dataclass(frozen=True)
class Leg:
    """One line of a journal to post: ``Leg.debit(escrow, 1200)``."""

    account: Account | int
    side: str
    amount_fen: int

    @classmethod
    def debit(cls, account: Account | int, amount_fen: int) -> Leg:
        return cls(account, Side.DEBIT, amount_fen)

    @classmethod
    def credit(cls, account: Account | int, amount_fen: int) -> Leg:
        return cls(account, Side.CREDIT, amount_fen)


_Line = tuple[int, str, int]  # (account id, side, amount in fen), validated


@dataclass
class _Delta:
    """How much each counter of one account moves; pending counters may move down."""

    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0

    @property
    def spend(self) -> int:
        """How much this change lowers the account's available balance (may be negative)."""
        return self.debits_posted + self.debits_pending - self.credits_posted


# --- validation (pure: nothing touches the database) -------------------------------------
def _account_id(account: Account | int) -> int:
    if isinstance(account, Account):
        if account.pk is None:
            raise invalid("account", _("This ledger account has not been saved."))
        return int(account.pk)
    if isinstance(account, bool) or not isinstance(account, int):
        raise invalid("account", _("A ledger account is required."))
    return account


def _check_amount(amount_fen: Any, field: str = "amount_fen") -> int:
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise invalid(field, _("An amount must be a positive whole number of fen."),
                      code="invalid_amount")
    return amount_fen


def _check_text(*, kind: str, reference: str | None, memo: str) -> None:
    if not kind or len(kind) > KIND_MAX:
        raise invalid("kind", _("A journal kind has 1 to 50 characters."))
    if reference is not None and not 0 < len(reference) <= REFERENCE_MAX:
        raise invalid("reference", _("A reference has 1 to 150 characters."))
    if len(memo) > MEMO_MAX:
        raise invalid("memo", _("A memo has at most 200 characters."))


def _lines(entries: Sequence[Leg]) -> list[_Line]:
    """Refuse anything that is not a balanced set of positive debits and credits."""
    if len(entries) < 2:
        raise InvalidInput(_("A journal needs at least two entries."), code="too_few_entries")
    lines: list[_Line] = []
    for leg in entries:
        if leg.side not in Side.values:
            raise invalid("side", _("An entry is either a debit or a credit."),
                          code="invalid_side")
        lines.append((_account_id(leg.account), str(leg.side), _check_amount(leg.amount_fen)))
    debits = sum(amount for _id, side, amount in lines if side == Side.DEBIT)
    credits = sum(amount for _id, side, amount in lines if side == Side.CREDIT)
    if debits != credits:
        raise InvalidInput(_("The debits and credits of a journal must be equal."),
                           code="unbalanced_journal")
    debited = {acc for acc, side, _amount in lines if side == Side.DEBIT}
    if any(acc in debited for acc, side, _amount in lines if side == Side.CREDIT):
        raise InvalidInput(_("An account cannot be debited and credited in the same journal."),
                           code="same_account_both_sides")
    return lines


# --- the locked section --------------------------------------------------------------------
def _lock_accounts(ids: Iterable[int]) -> dict[int, Account]:
    return accounts_lock(ids)


def _check_funds(accounts: dict[int, Account], deltas: dict[int, _Delta]) -> None:
    for pk, delta in deltas.items():
        account = accounts[pk]
        if not account.allow_negative and delta.spend > 0 and account.available_fen < delta.spend:
            raise InsufficientFunds()


def _apply(deltas: dict[int, _Delta]) -> None:
    """Move the counters with guarded F() updates; the CHECK constraint is the last word."""
    try:
        for pk in sorted(deltas):
            delta = deltas[pk]
            changes = {
                field: F(field) + amount
                for field, amount in (("debits_posted_fen", delta.debits_posted),
                                      ("credits_posted_fen", delta.credits_posted),
                                      ("debits_pending_fen", delta.debits_pending),
                                      ("credits_pending_fen", delta.credits_pending))
                if amount
            }
            if not changes:
                continue
            rows = Account.objects.filter(pk=pk)
            if delta.spend > 0:
                rows = rows.filter(Q(allow_negative=True) | Q(
                    credits_posted_fen__gte=F("debits_posted_fen") + F("debits_pending_fen")
                    + delta.spend))
            if rows.update(**changes) != 1:
                raise InsufficientFunds()
    except IntegrityError as exc:  # the CHECK constraint caught what nothing else did
        raise InsufficientFunds() from exc


def _apply_many(deltas: dict[int, _Delta]) -> None:
    """``_apply`` for many accounts: one ``UPDATE ... FROM (VALUES ...)`` per chunk.

    Only for changes that lower no account's available balance (posting a hold: the debit
    side's pending becomes posted, the credit side only gains), which need no funds guard; an
    account whose available balance would drop still takes ``_apply``'s guarded path. The CHECK
    constraints stay the last word.
    """
    guarded = {pk: d for pk, d in deltas.items() if d.spend > 0}
    _apply(guarded)
    free = sorted(pk for pk in deltas if pk not in guarded)
    table = connection.ops.quote_name(Account._meta.db_table)
    try:
        for start in range(0, len(free), HOLDS_CHUNK):
            chunk = free[start:start + HOLDS_CHUNK]
            params = [value for pk in chunk for value in (
                pk, deltas[pk].debits_posted, deltas[pk].credits_posted,
                deltas[pk].debits_pending, deltas[pk].credits_pending)]
            with connection.cursor() as cursor:
                # VALUES columns are column1..5 on both PostgreSQL and SQLite; the statement
                # starts with UPDATE so that every driver reports its row count.
                cursor.execute(
                    f"UPDATE {table} SET "  # noqa: S608 (no user input)
                    f"debits_posted_fen = {table}.debits_posted_fen + v.column2, "
                    f"credits_posted_fen = {table}.credits_posted_fen + v.column3, "
                    f"debits_pending_fen = {table}.debits_pending_fen + v.column4, "
                    f"credits_pending_fen = {table}.credits_pending_fen + v.column5 "
                    f"FROM (VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(chunk))}) AS v "
                    f"WHERE {table}.id = v.column1", params)
                if cursor.rowcount != len(chunk):
                    raise NotFound(_("This ledger account does not exist."))
    except IntegrityError as exc:
        raise InsufficientFunds() from exc


def _holds_mark_posted(pairs: list[tuple[int, int]], *, now: Any) -> int:
    """pending → posted in full for ``(hold id, journal id)`` pairs, one guarded statement;
    returns how many rows changed (fewer than asked means some were not pending)."""
    table = connection.ops.quote_name(Hold._meta.db_table)
    params: list[Any] = [Hold.Status.POSTED.value,
                         connection.ops.adapt_datetimefield_value(now)]
    params += [value for pair in pairs for value in pair]
    params.append(Hold.Status.PENDING.value)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s, "  # noqa: S608 (no user input)
            f"posted_amount_fen = {table}.amount_fen, resolved_at = %s, "
            f"journal_id = v.column2 "
            f"FROM (VALUES {', '.join(['(%s, %s)'] * len(pairs))}) AS v "
            f"WHERE {table}.id = v.column1 AND {table}.status = %s", params)
        return int(cursor.rowcount)


def _posted_deltas(lines: Iterable[_Line]) -> dict[int, _Delta]:
    deltas: dict[int, _Delta] = {}
    for acc, side, amount in lines:
        delta = deltas.setdefault(acc, _Delta())
        if side == Side.DEBIT:
            delta.debits_posted += amount
        else:
            delta.credits_posted += amount
    return deltas


def _journal_write(*, kind: str, memo: str, reference: str | None, lines: list[_Line],
                   reversal_of: Journal | None = None) -> Journal:
    journal = Journal.objects.create(kind=kind, memo=memo, reference=reference,
                                     reversal_of=reversal_of)
    Entry.objects.bulk_create(
        Entry(journal=journal, account_id=acc, side=side, amount_fen=amount)
        for acc, side, amount in lines
    )
    return journal


def _journal_replay(*, reference: str, kind: str, lines: list[_Line]) -> Journal | None:
    """The journal already posted under ``reference``, if it is the same one; else Conflict."""
    existing = Journal.objects.filter(reference=reference).first()
    if existing is None:
        return None
    posted = existing.entries.values_list("account_id", "side", "amount_fen")
    if existing.kind != kind or sorted(posted) != sorted(lines):
        raise Conflict(_("This reference was already used for a different journal."),
                       code="journal_reference_conflict")
    return existing
