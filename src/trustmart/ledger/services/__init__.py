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

from ._base import HOLDS_CHUNK, InsufficientFunds, Leg
from .accounts import account_get_or_create, platform_account_ids
from .holds import (
    NewHold,
    hold_create,
    hold_post,
    hold_void,
    holds_create_new,
    holds_post_many,
)
from .journals import journal_reverse, post

__all__ = [
    "HOLDS_CHUNK", "InsufficientFunds", "Leg", "NewHold", "account_get_or_create", "hold_create",
    "hold_post", "hold_void", "holds_create_new", "holds_post_many", "journal_reverse",
    "platform_account_ids", "post",
]
