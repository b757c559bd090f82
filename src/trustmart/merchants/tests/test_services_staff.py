"""Staff: invitations by mobile number, answers, removal; only the owner manages staff."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser

from trustmart.accounts.models import Role, User
from trustmart.accounts.selectors import user_has_role
from trustmart.core.errors import Conflict, InvalidInput, NotFound
from trustmart.merchants import services
from trustmart.merchants.models import Merchant, MerchantStaff, StaffInvitation
from trustmart.merchants.selectors import invitations_for_user, merchant_for_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(make_user: Callable[..., User]) -> User:
    return make_user("小李", mobile="13600000001")


def _invite(merchant: Merchant, owner: User, mobile: str = "13600000001") -> StaffInvitation:
    return services.staff_invitation_create(user=owner, merchant_id=merchant.pk, mobile=mobile)


def test_invitation_accepted(merchant: Merchant, applicant: User, clerk: User) -> None:
    invitation = _invite(merchant, applicant, mobile="136 0000 0001")
    assert invitation.mobile == "13600000001"
    assert list(invitations_for_user(user=clerk)) == [invitation]
    with pytest.raises(NotFound):
        merchant_for_staff(user=clerk, merchant_id=merchant.pk)
    staff = services.staff_invitation_accept(user=clerk, invitation_id=invitation.pk)
    assert (staff.merchant, staff.user, staff.role) == (merchant, clerk, "staff")
    assert user_has_role(clerk, Role.MERCHANT_STAFF)
    assert merchant_for_staff(user=clerk, merchant_id=merchant.pk) == merchant
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.ACCEPTED
    assert invitation.answered_at is not None
    assert not invitations_for_user(user=clerk).exists()
    with pytest.raises(NotFound):
        services.staff_invitation_accept(user=clerk, invitation_id=invitation.pk)


def test_invitation_declined(merchant: Merchant, applicant: User, clerk: User) -> None:
    invitation = _invite(merchant, applicant)
    services.staff_invitation_decline(user=clerk, invitation_id=invitation.pk)
    assert not MerchantStaff.objects.filter(user=clerk).exists()
    assert not user_has_role(clerk, Role.MERCHANT_STAFF)
    with pytest.raises(NotFound):
        services.staff_invitation_accept(user=clerk, invitation_id=invitation.pk)


def test_only_the_invitee_answers(merchant: Merchant, applicant: User, clerk: User,
                                  make_user: Callable[..., User]) -> None:
    invitation = _invite(merchant, applicant)
    for someone in (make_user(), applicant, AnonymousUser()):
        with pytest.raises(NotFound):
            services.staff_invitation_accept(user=someone, invitation_id=invitation.pk)
        with pytest.raises(NotFound):
            services.staff_invitation_decline(user=someone, invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.PENDING


def test_revoke(merchant: Merchant, applicant: User, clerk: User) -> None:
    invitation = _invite(merchant, applicant)
    services.staff_invitation_revoke(user=applicant, invitation_id=invitation.pk)
    with pytest.raises(NotFound):
        services.staff_invitation_accept(user=clerk, invitation_id=invitation.pk)
    with pytest.raises(Conflict) as caught:
        services.staff_invitation_revoke(user=applicant, invitation_id=invitation.pk)
    assert caught.value.code == "invitation_answered"
    _invite(merchant, applicant)  # a new invitation is possible after a revoked one


def test_duplicate_and_bad_invitations(merchant: Merchant, applicant: User,
                                       clerk: User) -> None:
    _invite(merchant, applicant)
    with pytest.raises(Conflict) as caught:
        _invite(merchant, applicant)
    assert caught.value.code == "invitation_pending"
    with pytest.raises(InvalidInput):
        _invite(merchant, applicant, mobile="12345")
    with pytest.raises(Conflict) as caught:
        _invite(merchant, applicant, mobile=applicant.mobile)
    assert caught.value.code == "already_staff"
    assert StaffInvitation.objects.count() == 1


def test_only_the_owner_manages_staff(merchant: Merchant, applicant: User, clerk: User,
                                      make_user: Callable[..., User]) -> None:
    staff = services.staff_invitation_accept(
        user=clerk, invitation_id=_invite(merchant, applicant).pk)
    outsider = make_user()
    invitation = _invite(merchant, applicant, mobile="13600000009")
    for someone in (clerk, outsider, AnonymousUser()):
        with pytest.raises(NotFound):
            services.staff_invitation_create(user=someone, merchant_id=merchant.pk,
                                             mobile="13600000002")
        with pytest.raises(NotFound):
            services.staff_invitation_revoke(user=someone, invitation_id=invitation.pk)
        with pytest.raises(NotFound):
            services.merchant_staff_remove(user=someone, merchant_id=merchant.pk,
                                           staff_user_id=staff.user_id)
    assert MerchantStaff.objects.filter(pk=staff.pk).exists()
    assert StaffInvitation.objects.count() == 2


def test_remove_staff_and_not_the_owner(merchant: Merchant, applicant: User,
                                        clerk: User) -> None:
    services.staff_invitation_accept(user=clerk,
                                     invitation_id=_invite(merchant, applicant).pk)
    with pytest.raises(Conflict) as caught:
        services.merchant_staff_remove(user=applicant, merchant_id=merchant.pk,
                                       staff_user_id=applicant.pk)
    assert caught.value.code == "cannot_remove_owner"
    services.merchant_staff_remove(user=applicant, merchant_id=merchant.pk,
                                   staff_user_id=clerk.pk)
    assert not MerchantStaff.objects.filter(user=clerk).exists()
    assert not user_has_role(clerk, Role.MERCHANT_STAFF)
    with pytest.raises(NotFound):
        merchant_for_staff(user=clerk, merchant_id=merchant.pk)
    with pytest.raises(NotFound):
        services.merchant_staff_remove(user=applicant, merchant_id=merchant.pk,
                                       staff_user_id=clerk.pk)


def test_closed_merchant_takes_no_new_staff(merchant: Merchant, applicant: User, clerk: User,
                                            operator: User) -> None:
    invitation = _invite(merchant, applicant)
    services.merchant_close(operator=operator, merchant_id=merchant.pk, reason="退出")
    with pytest.raises(Conflict):
        services.staff_invitation_accept(user=clerk, invitation_id=invitation.pk)
    invitation.refresh_from_db()
    assert invitation.status == StaffInvitation.Status.PENDING  # rolled back
    with pytest.raises(Conflict):
        _invite(merchant, applicant, mobile="13600000002")


def test_staff_may_edit_the_profile_but_outsiders_may_not(
        merchant: Merchant, applicant: User, make_user: Callable[..., User]) -> None:
    from .factories import png

    updated = services.merchant_profile_update(user=applicant, merchant_id=merchant.pk,
                                               introduction="  武夷山自有茶园 ", logo=png())
    assert updated.introduction == "武夷山自有茶园"
    assert str(updated.logo.name).endswith(".png")
    with pytest.raises(NotFound):
        services.merchant_profile_update(user=make_user(), merchant_id=merchant.pk,
                                         introduction="hacked")
    with pytest.raises(InvalidInput):
        services.merchant_profile_update(user=applicant, merchant_id=merchant.pk,
                                         introduction="x" * 501)
    merchant.refresh_from_db()
    assert merchant.introduction == "武夷山自有茶园"
