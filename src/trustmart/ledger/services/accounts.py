"""Ledger accounts: found or created once per owner and purpose."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict, invalid

from ..models import ALLOW_NEGATIVE_BY_DEFAULT, Account, Purpose
from ._base import (
    OWNER_TYPE_MAX,
)


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
