"""The merchant's state machine and its guarantee deposit.

``TRANSITIONS`` is the whole state machine: one service per transition, each a conditional
``UPDATE ... WHERE status = <the status we saw>`` so two racing transitions cannot both win.
A deposit that falls below the required minimum suspends the merchant (``suspension_kind``
``deposit``); topping it up again reinstates it without an operator. An operator's suspension
is only ever lifted by an operator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, NotFound, invalid
from trustmart.core.events import EventType
from trustmart.core.states import StateMachine, Timeline
from trustmart.ledger.models import Account, Purpose
from trustmart.ledger.services import account_get_or_create

from ..events import (
    MERCHANT_CLOSED,
    MERCHANT_REINSTATED,
    MERCHANT_SUSPENDED,
    MerchantStatusChanged,
)
from ..lock_objects import merchant_lock
from ..models import Merchant, MerchantStatusChange
from ..selectors import LEDGER_OWNER_TYPE, merchant_deposit_balance_fen, require_operator

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User

Status = Merchant.Status
Kind = Merchant.SuspensionKind

# action → (statuses it may start from, status it leads to, event published)
TRANSITIONS: dict[str, tuple[frozenset[str], str, EventType[MerchantStatusChanged]]] = {
    "suspend": (frozenset({Status.ACTIVE}), Status.SUSPENDED, MERCHANT_SUSPENDED),
    "reinstate": (frozenset({Status.SUSPENDED}), Status.ACTIVE, MERCHANT_REINSTATED),
    "close": (frozenset({Status.ACTIVE, Status.SUSPENDED}), Status.CLOSED, MERCHANT_CLOSED),
}
# The machine the table describes: every merchant status move, recorded in its history.
MERCHANT_STATES = StateMachine(
    Merchant,
    transitions={source: {t for sources, t, _e in TRANSITIONS.values() if source in sources}
                 for source in Status.values},
    timeline=Timeline(MerchantStatusChange, subject="merchant"))
REASON_MAX = 500
# Recorded (in English, for the audit trail) when the deposit suspends a merchant by itself.
DEPOSIT_SUSPENSION_REASON = "The guarantee deposit fell below the required minimum."
DEPOSIT_REINSTATE_REASON = "The guarantee deposit was topped up to the required minimum."


def _reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise invalid("reason", _("Please give a reason."), code="reason_required")
    if len(text) > REASON_MAX:
        raise invalid("reason", _("The reason is too long (at most 500 characters)."),
                      code="reason_too_long")
    return text


def _transition(*, merchant_id: int, action: str, actor: User | None, reason: str,
                kind: str = Kind.NONE) -> Merchant:
    sources, target, event = TRANSITIONS[action]
    with transaction.atomic():
        merchant = Merchant.objects.filter(pk=merchant_id).first()
        if merchant is None:
            raise NotFound(_("This merchant does not exist."), code="merchant_not_found")
        if merchant.status not in sources:
            raise Conflict(_("This merchant is %(status)s; that change is not possible now.")
                           % {"status": merchant.get_status_display()},
                           code="illegal_transition")
        if not MERCHANT_STATES.move(merchant, target, status_reason=reason,
                                    suspension_kind=kind,
                                    record={"reason": reason, "changed_by": actor}):
            raise Conflict(_("Someone else changed this merchant's status just now. "
                             "Refresh and try again."), code="status_changed")
        event.publish(MerchantStatusChanged(merchant_id=merchant.pk))
        merchant.refresh_from_db()
    return merchant


def merchant_suspend(*, operator: User | AnonymousUser, merchant_id: int,
                     reason: str) -> Merchant:
    """An operator stops a merchant from selling (active → suspended); a reason is required."""
    actor = require_operator(operator)
    text = _reason(reason, required=True)
    return _transition(merchant_id=merchant_id, action="suspend", actor=actor, reason=text,
                       kind=Kind.OPERATOR)


def merchant_reinstate(*, operator: User | AnonymousUser, merchant_id: int,
                       reason: str = "") -> Merchant:
    """An operator lets a suspended merchant sell again (suspended → active)."""
    actor = require_operator(operator)
    text = _reason(reason, required=False)
    return _transition(merchant_id=merchant_id, action="reinstate", actor=actor, reason=text)


def merchant_close(*, operator: User | AnonymousUser, merchant_id: int,
                   reason: str) -> Merchant:
    """Close a merchant for good (active or suspended → closed); there is no way back."""
    actor = require_operator(operator)
    text = _reason(reason, required=True)
    return _transition(merchant_id=merchant_id, action="close", actor=actor, reason=text)


# --- deposit ----------------------------------------------------------------------------------
def merchant_deposit_account_get_or_create(*, merchant: Merchant) -> Account:
    """The merchant's guarantee deposit account in the ledger, created on first use."""
    return account_get_or_create(owner_type=LEDGER_OWNER_TYPE, owner_id=merchant.pk,
                                 purpose=Purpose.MERCHANT_DEPOSIT)


def merchant_deposit_refresh(*, merchant_id: int) -> Merchant:
    """Re-read the deposit balance and set ``deposit_ok``; suspend or reinstate on the way.

    Called after a deposit payment and after compensation is taken from a deposit. The merchant
    row is locked, so two refreshes running together see one another's result.
    """
    with transaction.atomic():
        merchant = merchant_lock(merchant_id)
        if merchant is None:
            raise NotFound(_("This merchant does not exist."), code="merchant_not_found")
        balance = merchant_deposit_balance_fen(merchant=merchant)
        was_ok = merchant.deposit_ok
        ok = balance >= merchant.deposit_required_fen
        if ok != was_ok:
            Merchant.objects.filter(pk=merchant.pk).update(deposit_ok=ok)
        if was_ok and not ok and merchant.status == Status.ACTIVE:
            _transition(merchant_id=merchant.pk, action="suspend", actor=None,
                        reason=DEPOSIT_SUSPENSION_REASON, kind=Kind.DEPOSIT)
        elif (ok and merchant.status == Status.SUSPENDED
              and merchant.suspension_kind == Kind.DEPOSIT):
            _transition(merchant_id=merchant.pk, action="reinstate", actor=None,
                        reason=DEPOSIT_REINSTATE_REASON)
        merchant.refresh_from_db()
    return merchant
