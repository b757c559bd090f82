"""Merchant staff: the owner invites by mobile number, the invitee accepts or declines.

Only the owner manages staff; for anyone else the merchant does not exist (NotFound). An
invitation answers once: each answer is a conditional ``UPDATE ... WHERE status = 'pending'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import Role, User
from trustmart.accounts.services import role_grant, role_revoke
from trustmart.accounts.validators import normalize_mobile
from trustmart.core.errors import Conflict, NotFound

from ..models import Merchant, MerchantStaff, StaffInvitation
from ..selectors import merchant_for_owner

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

InvStatus = StaffInvitation.Status


def _invitation_not_found() -> NotFound:
    return NotFound(_("This invitation does not exist."), code="invitation_not_found")


def _refuse_closed(merchant: Merchant) -> None:
    if merchant.status == Merchant.Status.CLOSED:
        raise Conflict(_("This merchant is closed."), code="merchant_closed")


def staff_invitation_create(*, user: User | AnonymousUser, merchant_id: int,
                            mobile: str) -> StaffInvitation:
    """The owner invites whoever holds ``mobile`` (they may sign up later to answer)."""
    if not user.is_authenticated:
        raise NotFound(_("This merchant does not exist."), code="merchant_not_found")
    merchant = merchant_for_owner(user=user, merchant_id=merchant_id)
    number = normalize_mobile(mobile)
    _refuse_closed(merchant)
    if MerchantStaff.objects.filter(merchant=merchant, user__mobile=number).exists():
        raise Conflict(_("This person already works for the merchant."), code="already_staff")
    try:
        with transaction.atomic():
            return StaffInvitation.objects.create(merchant=merchant, mobile=number,
                                                  invited_by=user)
    except IntegrityError:
        raise Conflict(_("This number already has an invitation waiting."),
                       code="invitation_pending") from None


def _answer(*, invitation_id: int, mobile: str, status: str) -> StaffInvitation:
    invitation = (StaffInvitation.objects.select_related("merchant")
                  .filter(pk=invitation_id, mobile=mobile, status=InvStatus.PENDING).first())
    if invitation is None:
        raise _invitation_not_found()
    now = timezone.now()
    updated = StaffInvitation.objects.filter(pk=invitation.pk, status=InvStatus.PENDING).update(
        status=status, answered_at=now)
    if not updated:
        raise _invitation_not_found()
    invitation.status, invitation.answered_at = status, now
    return invitation


def staff_invitation_accept(*, user: User | AnonymousUser, invitation_id: int) -> MerchantStaff:
    """Join the merchant as staff; grants the merchant-staff role."""
    if not user.is_authenticated:
        raise _invitation_not_found()
    member: User = user
    with transaction.atomic():
        invitation = _answer(invitation_id=invitation_id, mobile=member.mobile,
                             status=InvStatus.ACCEPTED)
        _refuse_closed(invitation.merchant)
        staff, _created = MerchantStaff.objects.get_or_create(
            merchant=invitation.merchant, user=member,
            defaults={"role": MerchantStaff.Role.STAFF, "added_by": invitation.invited_by},
        )
        role_grant(user=member, role=Role.MERCHANT_STAFF, granted_by=invitation.invited_by)
    return staff


def staff_invitation_decline(*, user: User | AnonymousUser, invitation_id: int
                             ) -> StaffInvitation:
    if not user.is_authenticated:
        raise _invitation_not_found()
    with transaction.atomic():
        return _answer(invitation_id=invitation_id, mobile=user.mobile,
                       status=InvStatus.DECLINED)


def staff_invitation_revoke(*, user: User | AnonymousUser, invitation_id: int
                            ) -> StaffInvitation:
    """The owner withdraws an invitation that has not been answered yet."""
    invitation = StaffInvitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise _invitation_not_found()
    try:
        merchant_for_owner(user=user, merchant_id=invitation.merchant_id)
    except NotFound:
        raise _invitation_not_found() from None
    with transaction.atomic():
        updated = StaffInvitation.objects.filter(pk=invitation.pk,
                                                 status=InvStatus.PENDING).update(
            status=InvStatus.REVOKED, answered_at=timezone.now())
        if not updated:
            raise Conflict(_("This invitation has already been answered."),
                           code="invitation_answered")
    invitation.refresh_from_db()
    return invitation


def merchant_staff_remove(*, user: User | AnonymousUser, merchant_id: int,
                          staff_user_id: int) -> None:
    """The owner removes a staff member (never the owner). The role goes with the last job."""
    merchant = merchant_for_owner(user=user, merchant_id=merchant_id)
    with transaction.atomic():
        staff = (MerchantStaff.objects.select_related("user")
                 .filter(merchant=merchant, user_id=staff_user_id)
                 .exclude(role=MerchantStaff.Role.APP).first())
        if staff is None:
            raise NotFound(_("This person does not work for the merchant."),
                           code="staff_not_found")
        if staff.role == MerchantStaff.Role.OWNER:
            raise Conflict(_("The owner cannot be removed."), code="cannot_remove_owner")
        staff.delete()
        member: User = staff.user
        if not MerchantStaff.objects.filter(user=member).exists():
            role_revoke(user=member, role=Role.MERCHANT_STAFF)
