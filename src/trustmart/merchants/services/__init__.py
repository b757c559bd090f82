"""Every write about merchants, one module per part of the lifecycle.

``applications``: submit, approve, reject. ``status``: the merchant's state machine and its
guarantee deposit. ``staff``: invitations and membership. Import from here:
``from trustmart.merchants.services import merchant_deposit_refresh``.
"""

from .applications import application_approve, application_reject, application_submit
from .profile import merchant_profile_update
from .staff import (
    merchant_staff_remove,
    staff_invitation_accept,
    staff_invitation_create,
    staff_invitation_decline,
    staff_invitation_revoke,
)
from .status import (
    TRANSITIONS,
    merchant_close,
    merchant_deposit_account_get_or_create,
    merchant_deposit_refresh,
    merchant_reinstate,
    merchant_suspend,
)

__all__ = [
    "TRANSITIONS",
    "application_approve",
    "application_reject",
    "application_submit",
    "merchant_close",
    "merchant_deposit_account_get_or_create",
    "merchant_deposit_refresh",
    "merchant_profile_update",
    "merchant_reinstate",
    "merchant_staff_remove",
    "merchant_suspend",
    "staff_invitation_accept",
    "staff_invitation_create",
    "staff_invitation_decline",
    "staff_invitation_revoke",
]
