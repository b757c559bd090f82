"""Balanced journals and their reversals."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, NotFound

from ..models import Journal, Side
from ._base import (
    KIND_MAX,
    Leg,
    _apply,
    _check_funds,
    _check_text,
    _journal_replay,
    _journal_write,
    _lines,
    _lock_accounts,
    _posted_deltas,
)


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
