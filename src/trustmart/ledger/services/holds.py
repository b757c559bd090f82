"""Two-phase holds: a pending amount, later posted (in part) or voided, exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, InvalidInput, NotFound, invalid

from ..lock_objects import hold_lock, holds_lock
from ..models import Account, Entry, Hold, Journal, Side
from ._base import (
    HOLDS_CHUNK,
    _account_id,
    _apply,
    _apply_many,
    _check_amount,
    _check_funds,
    _check_text,
    _Delta,
    _holds_mark_posted,
    _journal_write,
    _lock_accounts,
)


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
