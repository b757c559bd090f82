"""Every write to the ledger: accounts, balanced journals, reversals and two-phase holds.

No other code in TrustMart changes a balance. Each function here runs in one transaction and,
before anything else, locks the accounts it touches in primary-key order (with
``select_for_update()``, or for ``holds_create_new`` with the guarded balance updates themselves,
issued in that order), and only then the hold row, so two transactions can never wait on each
other in a cycle. Funds are checked three times, from friendliest to strictest: in Python under
the lock (a clear ``insufficient_funds`` error before anything is written), by the conditional
``UPDATE ... WHERE credits >= debits + pending + n``, and by the database CHECK constraint.

Callers must not call these from inside a transaction that already holds other account locks
taken out of order, and never around a network call (rule 4 of docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, InvalidInput, NotFound, invalid

from .lock_objects import accounts_lock, hold_lock, holds_lock
from .models import ALLOW_NEGATIVE_BY_DEFAULT, Account, Entry, Hold, Journal, Purpose, Side

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


# --- accounts -------------------------------------------------------------------------------
def account_get_or_create(*, owner_type: str, owner_id: int | None, purpose: str,
                          allow_negative: bool | None = None) -> Account:
    """The one account an owner has for ``purpose``, created on first use.

    ``allow_negative`` defaults by purpose (only accounts standing for money outside the
    platform may go negative); passing a value that contradicts an existing account is a bug
    in the caller, so it is refused rather than silently ignored.
    """
    if purpose not in Purpose.values:
        raise invalid("purpose", _("Unknown ledger account purpose."))
    if not owner_type or len(owner_type) > OWNER_TYPE_MAX:
        raise invalid("owner_type", _("An owner type has 1 to 20 characters."))
    policy = purpose in ALLOW_NEGATIVE_BY_DEFAULT if allow_negative is None else allow_negative
    account, created = Account.objects.get_or_create(
        owner_type=owner_type, owner_id=owner_id, purpose=purpose,
        defaults={"allow_negative": policy},
    )
    if not created and allow_negative is not None and account.allow_negative != allow_negative:
        raise Conflict(_("This ledger account exists with another overdraft policy."),
                       code="account_policy_mismatch")
    return account


def platform_account_ids(*, purposes: Sequence[str]) -> dict[str, int]:
    """The platform's own accounts for ``purposes`` by purpose, in one read; each is created on
    first use (``account_get_or_create``, with the default policy). Only ids: callers that move
    money still lock the rows through ``post``/``hold_create``."""
    found: dict[str, int] = dict(
        Account.objects.filter(owner_type="platform", owner_id__isnull=True,
                               purpose__in=list(purposes)).values_list("purpose", "pk"))
    for purpose in purposes:
        if purpose not in found:
            found[purpose] = account_get_or_create(owner_type="platform", owner_id=None,
                                                   purpose=purpose).pk
    return found


# --- journals -------------------------------------------------------------------------------
def post(*, entries: Sequence[Leg], kind: str, reference: str | None = None,
         memo: str = "") -> Journal:
    """Post a balanced journal and move the balances, all or nothing.

    With a ``reference``, posting the same entries again returns the first journal and changes
    nothing (a retried settlement is harmless); other entries under it raise Conflict.
    """
    return _post(entries=entries, kind=kind, reference=reference, memo=memo)


def _post(*, entries: Sequence[Leg], kind: str, reference: str | None, memo: str,
          reversal_of: Journal | None = None) -> Journal:
    lines = _lines(entries)
    _check_text(kind=kind, reference=reference, memo=memo)
    with transaction.atomic():
        accounts = _lock_accounts(acc for acc, _side, _amount in lines)
        if reference is not None and (found := _journal_replay(
                reference=reference, kind=kind, lines=lines)):
            return found
        if reversal_of is not None and Journal.objects.filter(reversal_of=reversal_of).exists():
            raise _already_reversed()
        deltas = _posted_deltas(lines)
        _check_funds(accounts, deltas)
        try:
            with transaction.atomic():
                journal = _journal_write(kind=kind, memo=memo, reference=reference,
                                         lines=lines, reversal_of=reversal_of)
        except IntegrityError:
            # A racing post with the same reference on other accounts committed first.
            if reference is not None and (found := _journal_replay(
                    reference=reference, kind=kind, lines=lines)):
                return found
            if reversal_of is not None:
                raise _already_reversed() from None
            raise
        _apply(deltas)
    return journal


def _already_reversed() -> Conflict:
    return Conflict(_("This journal has already been reversed."),
                    code="journal_already_reversed")


def journal_reverse(*, journal_id: int, kind: str | None = None, reference: str | None = None,
                    memo: str = "") -> Journal:
    """Undo a journal by posting its mirror image: entries are never edited or deleted."""
    original = Journal.objects.filter(pk=journal_id).first()
    if original is None:
        raise NotFound(_("This journal does not exist."))
    mirror = {Side.DEBIT: Side.CREDIT, Side.CREDIT: Side.DEBIT}
    legs = [Leg(acc, mirror[Side(side)], amount) for acc, side, amount
            in original.entries.values_list("account_id", "side", "amount_fen")]
    return _post(entries=legs, kind=kind or f"{original.kind}.reversal"[:KIND_MAX],
                 reference=reference, memo=memo, reversal_of=original)


# --- two-phase holds --------------------------------------------------------------------------
def _hold_replay(*, reference: str, debit_id: int, credit_id: int, amount_fen: int,
                 kind: str) -> Hold | None:
    existing = Hold.objects.filter(reference=reference).first()
    if existing is None:
        return None
    if (existing.debit_account_id, existing.credit_account_id, existing.amount_fen,
            existing.kind) != (debit_id, credit_id, amount_fen, kind):
        raise Conflict(_("This reference was already used for a different hold."),
                       code="hold_reference_conflict")
    return existing


def hold_create(*, debit_account: Account | int, credit_account: Account | int, amount_fen: int,
                kind: str, reference: str | None = None, memo: str = "") -> Hold:
    """Reserve ``amount_fen``: the debit account's available balance drops now, nothing posts.

    Like ``post()``, a ``reference`` makes a retried call return the first hold.
    """
    debit_id, credit_id = _account_id(debit_account), _account_id(credit_account)
    _check_amount(amount_fen)
    _check_text(kind=kind, reference=reference, memo=memo)
    if debit_id == credit_id:
        raise InvalidInput(_("A hold moves money between two different accounts."),
                           code="same_account_both_sides")

    def replay(reference: str) -> Hold | None:
        return _hold_replay(reference=reference, debit_id=debit_id, credit_id=credit_id,
                            amount_fen=amount_fen, kind=kind)

    with transaction.atomic():
        accounts = _lock_accounts((debit_id, credit_id))
        if reference is not None and (found := replay(reference)):
            return found
        deltas = {debit_id: _Delta(debits_pending=amount_fen),
                  credit_id: _Delta(credits_pending=amount_fen)}
        _check_funds(accounts, deltas)
        try:
            with transaction.atomic():
                hold = Hold.objects.create(debit_account_id=debit_id, credit_account_id=credit_id,
                                           amount_fen=amount_fen, kind=kind, memo=memo,
                                           reference=reference)
        except IntegrityError:
            if reference is not None and (found := replay(reference)):
                return found
            raise
        _apply(deltas)
    return hold


@dataclass(frozen=True)
class NewHold:
    """One hold for ``holds_create_new``: the arguments of ``hold_create``."""

    debit_account: Account | int
    credit_account: Account | int
    amount_fen: int
    kind: str
    reference: str | None = None
    memo: str = ""


def holds_create_new(holds: Sequence[NewHold]) -> list[Hold]:
    """Open holds that cannot exist yet: one guarded UPDATE per account (in primary-key order,
    which is also the lock order), then one INSERT for all the holds, however many there are.

    For callers whose own guard makes a replay impossible (a checkout's guarded
    ``awaiting_payment → paid`` update wins once): there is no replay read, and a reference
    that does exist fails the INSERT. It must run inside the caller's transaction, which any
    error here rolls back whole; no savepoint is taken.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("holds_create_new must run inside a transaction")
    rows: list[Hold] = []
    deltas: dict[int, _Delta] = {}
    for spec in holds:
        debit_id, credit_id = _account_id(spec.debit_account), _account_id(spec.credit_account)
        _check_amount(spec.amount_fen)
        _check_text(kind=spec.kind, reference=spec.reference, memo=spec.memo)
        if debit_id == credit_id:
            raise InvalidInput(_("A hold moves money between two different accounts."),
                               code="same_account_both_sides")
        deltas.setdefault(debit_id, _Delta()).debits_pending += spec.amount_fen
        deltas.setdefault(credit_id, _Delta()).credits_pending += spec.amount_fen
        rows.append(Hold(debit_account_id=debit_id, credit_account_id=credit_id,
                         amount_fen=spec.amount_fen, kind=spec.kind, memo=spec.memo,
                         reference=spec.reference))
    if not rows:
        return []
    with transaction.atomic(savepoint=False):
        _apply(deltas)  # locks each account row, in primary-key order, and checks funds
        return Hold.objects.bulk_create(rows)


def _hold_resolvable(hold_id: int) -> Hold:
    """Lock the hold's accounts (in order), then the hold, and insist it is still pending."""
    unlocked = Hold.objects.filter(pk=hold_id).first()
    if unlocked is None:
        raise NotFound(_("This hold does not exist."))
    _lock_accounts((unlocked.debit_account_id, unlocked.credit_account_id))
    hold = hold_lock(hold_id)
    if hold.status != Hold.Status.PENDING:
        raise _already_resolved()
    return hold


def _already_resolved() -> Conflict:
    return Conflict(_("This hold has already been posted or voided."),
                    code="hold_already_resolved")


def _hold_release(hold: Hold, *, posted_fen: int) -> None:
    """Drop the reservation and post ``posted_fen`` of it (0 for a void)."""
    _apply({
        hold.debit_account_id: _Delta(debits_pending=-hold.amount_fen, debits_posted=posted_fen),
        hold.credit_account_id: _Delta(credits_pending=-hold.amount_fen,
                                       credits_posted=posted_fen),
    })


def hold_post(*, hold_id: int, amount_fen: int | None = None) -> Hold:
    """Post the hold, in full or in part (the rest is released), exactly once.

    The guarded ``UPDATE ... WHERE status = 'pending'`` is what makes "exactly once" true even
    if the locks were ever bypassed: a second resolution finds no pending row and gets
    Conflict ``hold_already_resolved``.
    """
    if amount_fen is not None:
        _check_amount(amount_fen)
    with transaction.atomic():
        hold = _hold_resolvable(hold_id)
        posted = hold.amount_fen if amount_fen is None else amount_fen
        if posted > hold.amount_fen:
            raise invalid("amount_fen", _("A hold cannot post more than it reserved."),
                          code="amount_exceeds_hold")
        journal = _journal_write(kind=hold.kind, memo=hold.memo, reference=None, lines=[
            (hold.debit_account_id, Side.DEBIT.value, posted),
            (hold.credit_account_id, Side.CREDIT.value, posted),
        ])
        won = Hold.objects.filter(pk=hold.pk, status=Hold.Status.PENDING).update(
            status=Hold.Status.POSTED, posted_amount_fen=posted, journal=journal,
            resolved_at=timezone.now())
        if won != 1:
            raise _already_resolved()
        _hold_release(hold, posted_fen=posted)
        hold.refresh_from_db()
    return hold


def holds_post_many(*, hold_ids: Sequence[int]) -> int:
    """Post many holds in full, each exactly once, all or nothing, in one transaction.

    The same books as ``hold_post`` on each hold (one journal with its debit and credit per
    hold, linked to it), written set-based: the accounts are locked once (primary-key order),
    then the holds (primary-key order); journals and entries are bulk inserted, the holds move
    to ``posted`` with one guarded ``UPDATE ... WHERE status = 'pending'`` per chunk, and each
    account's counters move once by the sum of its holds. If any hold is not pending (or not
    there), nothing is posted: Conflict ``hold_already_resolved`` (or NotFound). Returns how
    many holds were posted.
    """
    if any(isinstance(pk, bool) or not isinstance(pk, int) for pk in hold_ids):
        raise invalid("hold_ids", _("Hold ids are whole numbers."))
    ids = sorted(set(hold_ids))
    if not ids:
        return 0
    with transaction.atomic():
        pairs = list(Hold.objects.filter(pk__in=ids).values_list("debit_account_id",
                                                                 "credit_account_id"))
        if len(pairs) != len(ids):
            raise NotFound(_("This hold does not exist."))
        _lock_accounts(acc for pair in pairs for acc in pair)
        deltas: dict[int, _Delta] = {}
        now = timezone.now()
        for start in range(0, len(ids), HOLDS_CHUNK):
            chunk = ids[start:start + HOLDS_CHUNK]
            holds = holds_lock(chunk)
            if any(hold.status != Hold.Status.PENDING for hold in holds):
                raise _already_resolved()
            journals = Journal.objects.bulk_create(
                Journal(kind=hold.kind, memo=hold.memo, posted_at=now) for hold in holds)
            Entry.objects.bulk_create(
                entry for hold, journal in zip(holds, journals, strict=True) for entry in (
                    Entry(journal=journal, account_id=hold.debit_account_id,
                          side=Side.DEBIT.value, amount_fen=hold.amount_fen),
                    Entry(journal=journal, account_id=hold.credit_account_id,
                          side=Side.CREDIT.value, amount_fen=hold.amount_fen)))
            won = _holds_mark_posted([(hold.pk, journal.pk) for hold, journal
                                      in zip(holds, journals, strict=True)], now=now)
            if won != len(chunk):
                raise _already_resolved()
            for hold in holds:
                debit = deltas.setdefault(hold.debit_account_id, _Delta())
                debit.debits_pending -= hold.amount_fen
                debit.debits_posted += hold.amount_fen
                credit = deltas.setdefault(hold.credit_account_id, _Delta())
                credit.credits_pending -= hold.amount_fen
                credit.credits_posted += hold.amount_fen
        _apply_many(deltas)
    return len(ids)


def hold_void(*, hold_id: int) -> Hold:
    """Release the whole reservation, exactly once; nothing is posted."""
    with transaction.atomic():
        hold = _hold_resolvable(hold_id)
        won = Hold.objects.filter(pk=hold.pk, status=Hold.Status.PENDING).update(
            status=Hold.Status.VOIDED, resolved_at=timezone.now())
        if won != 1:
            raise _already_resolved()
        _hold_release(hold, posted_fen=0)
        hold.refresh_from_db()
    return hold
