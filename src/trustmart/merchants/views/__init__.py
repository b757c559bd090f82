"""H5 pages for merchants: the applicant's, the merchant console's and the operators'."""

from .applicant import application_document, application_list, apply
from .console import (
    console,
    invitation_answer,
    invitations,
    profile_edit,
    staff,
    staff_invite,
    staff_remove,
    staff_revoke,
)
from .ops import (
    ops_application_decide,
    ops_application_detail,
    ops_application_queue,
    ops_merchant_action,
    ops_merchant_list,
)

__all__ = [
    "application_document",
    "application_list",
    "apply",
    "console",
    "invitation_answer",
    "invitations",
    "ops_application_decide",
    "ops_application_detail",
    "ops_application_queue",
    "ops_merchant_action",
    "ops_merchant_list",
    "profile_edit",
    "staff",
    "staff_invite",
    "staff_remove",
    "staff_revoke",
]
