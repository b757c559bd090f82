"""REST endpoints for merchants. Each handler parses, calls one service or selector, returns.

Another user's merchant, application or invitation is 404; so is every operator endpoint for
anyone who is not an operator.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Form, Router
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.accounts.auth import token_or_session, token_session_or_anonymous
from trustmart.accounts.models import User
from trustmart.core.idempotency import idempotent

from . import selectors, services
from .documents import document_response
from .models import Merchant, MerchantApplication, StaffInvitation
from .schemas import (
    ApplicationIn,
    ApplicationOut,
    CategoryRef,
    DecisionOut,
    InvitationIn,
    InvitationOut,
    MerchantBrief,
    MerchantOut,
    MerchantPublicOut,
    OpsMerchantOut,
    ProfileIn,
    ReasonIn,
    StaffOut,
)

router = Router(tags=["merchants"])


# --- mapping ----------------------------------------------------------------------------------
def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _application(application: MerchantApplication) -> ApplicationOut:
    merchant = Merchant.objects.filter(application=application).values_list("pk", flat=True)
    return ApplicationOut(
        id=application.pk, applicant_id=application.applicant_id,
        company_name=application.company_name, credit_code=application.credit_code,
        legal_representative=application.legal_representative,
        contact_name=application.contact_name, contact_mobile=application.contact_mobile,
        brand_name=application.brand_name,
        main_categories=[CategoryRef(id=c.pk, name=str(c))
                         for c in application.main_categories.all()],
        status=application.status, submitted_at=application.submitted_at,
        decided_at=application.decided_at,
        decisions=[DecisionOut(decision=d.decision, reason=d.reason, decided_at=d.decided_at,
                               operator_nickname=d.operator.nickname)
                   for d in application.decisions.all()],
        business_licence_url=reverse("api:merchant_application_document",
                                     args=[application.pk, "business_licence"]),
        brand_authorisation_url=reverse("api:merchant_application_document",
                                        args=[application.pk, "brand_authorisation"]),
        merchant_id=merchant.first(),
    )


def _brief(merchant: Merchant) -> dict[str, Any]:
    return {"id": merchant.pk, "name": merchant.name, "status": merchant.status,
            "deposit_ok": merchant.deposit_ok,
            "is_selling": selectors.merchant_is_selling(merchant)}


def _merchant(merchant: Merchant, user: User) -> MerchantOut:
    balance = selectors.merchant_deposit_balance_fen(merchant=merchant)
    return MerchantOut(
        **_brief(merchant), company_name=merchant.company_name,
        credit_code=merchant.credit_code, status_reason=merchant.status_reason,
        suspension_kind=merchant.suspension_kind,
        deposit_required_fen=merchant.deposit_required_fen, deposit_balance_fen=balance,
        deposit_missing_fen=max(merchant.deposit_required_fen - balance, 0),
        pay_deposit_url=f"/pay/deposit/{merchant.pk}/",
        my_role=selectors.merchant_staff_role(user=user, merchant=merchant),
        staff=[StaffOut(user_id=s.user_id, nickname=s.user.nickname, role=s.role,
                        added_at=s.added_at)
               for s in selectors.merchant_staff_list(merchant=merchant)],
    )


def _ops_merchant(merchant: Merchant) -> OpsMerchantOut:
    return OpsMerchantOut(
        **_brief(merchant), company_name=merchant.company_name,
        credit_code=merchant.credit_code, owner_id=merchant.owner_id,
        status_reason=merchant.status_reason,
        deposit_required_fen=merchant.deposit_required_fen, created_at=merchant.created_at)


def _invitation(invitation: StaffInvitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk, merchant_id=invitation.merchant_id,
        merchant_name=invitation.merchant.name,
        mobile=invitation.mobile,
        status=invitation.status, created_at=invitation.created_at,
        answered_at=invitation.answered_at)


# --- applications -----------------------------------------------------------------------------
@router.post("/applications", response={201: ApplicationOut}, auth=token_or_session,
             summary="Apply to become a merchant (multipart: fields and two documents)")
@decorate_view(idempotent)
def application_submit(request: HttpRequest, payload: Form[ApplicationIn],
                       business_licence: File[UploadedFile],
                       brand_authorisation: File[UploadedFile]) -> Status[ApplicationOut]:
    application = services.application_submit(
        applicant=_user(request), **payload.dict(),
        business_licence=business_licence, brand_authorisation=brand_authorisation)
    fresh = selectors.applications_of_user(user=_user(request)).get(pk=application.pk)
    return Status(201, _application(fresh))


@router.get("/applications/mine", response=list[ApplicationOut], auth=token_or_session,
            summary="My applications with their review decisions, newest first")
@paginate
def application_mine(request: HttpRequest) -> list[ApplicationOut]:
    return [_application(a) for a in selectors.applications_of_user(user=_user(request))]


@router.get("/applications/{application_id}/documents/{kind}", response={200: None},
            auth=token_session_or_anonymous, url_name="merchant_application_document",
            summary="A document of an application: for the applicant, its merchant's staff and "
                    "operators (404 for anyone else); a PDF downloads as an attachment")
def application_document(request: HttpRequest, application_id: int,
                         kind: Literal["business_licence", "brand_authorisation"]
                         ) -> FileResponse:
    application = selectors.application_document_for(
        user=request.auth, application_id=application_id)  # type: ignore[attr-defined]
    return document_response(getattr(application, kind))


@router.get("/ops/applications", response=list[ApplicationOut], auth=token_or_session,
            summary="Operators: pending applications, oldest first")
@paginate
def ops_application_queue(request: HttpRequest) -> list[ApplicationOut]:
    return [_application(a) for a in selectors.application_pending_queue(user=_user(request))]


@router.get("/ops/applications/{application_id}", response=ApplicationOut,
            auth=token_or_session, summary="Operators: one application with its documents")
def ops_application_detail(request: HttpRequest, application_id: int) -> ApplicationOut:
    return _application(selectors.application_for_operator(user=_user(request),
                                                           application_id=application_id))


@router.post("/ops/applications/{application_id}/approve", response=MerchantOut,
             auth=token_or_session,
             summary="Operators: approve an application; creates the merchant")
def ops_application_approve(request: HttpRequest, application_id: int,
                            payload: ReasonIn) -> MerchantOut:
    merchant = services.application_approve(operator=_user(request),
                                            application_id=application_id,
                                            reason=payload.reason)
    return _merchant(merchant, _user(request))


@router.post("/ops/applications/{application_id}/reject", response=ApplicationOut,
             auth=token_or_session,
             summary="Operators: reject an application with a reason for the applicant")
def ops_application_reject(request: HttpRequest, application_id: int,
                           payload: ReasonIn) -> ApplicationOut:
    services.application_reject(operator=_user(request), application_id=application_id,
                                reason=payload.reason)
    return _application(selectors.application_for_operator(user=_user(request),
                                                           application_id=application_id))


# --- operators: merchant status ---------------------------------------------------------------
@router.get("/ops/merchants", response=list[OpsMerchantOut], auth=token_or_session,
            summary="Operators: every merchant, newest first (filter by ?status=)")
@paginate
def ops_merchant_list(request: HttpRequest, status: str | None = None) -> list[OpsMerchantOut]:
    return [_ops_merchant(m)
            for m in selectors.merchants_for_operator(user=_user(request), status=status)]


@router.post("/ops/merchants/{merchant_id}/suspend", response=OpsMerchantOut,
             auth=token_or_session, summary="Operators: suspend a merchant (reason required)")
def ops_merchant_suspend(request: HttpRequest, merchant_id: int,
                         payload: ReasonIn) -> OpsMerchantOut:
    return _ops_merchant(services.merchant_suspend(operator=_user(request),
                                                   merchant_id=merchant_id,
                                                   reason=payload.reason))


@router.post("/ops/merchants/{merchant_id}/reinstate", response=OpsMerchantOut,
             auth=token_or_session, summary="Operators: reinstate a suspended merchant")
def ops_merchant_reinstate(request: HttpRequest, merchant_id: int,
                           payload: ReasonIn) -> OpsMerchantOut:
    return _ops_merchant(services.merchant_reinstate(operator=_user(request),
                                                     merchant_id=merchant_id,
                                                     reason=payload.reason))


@router.post("/ops/merchants/{merchant_id}/close", response=OpsMerchantOut,
             auth=token_or_session,
             summary="Operators: close a merchant for good (reason required)")
def ops_merchant_close(request: HttpRequest, merchant_id: int,
                       payload: ReasonIn) -> OpsMerchantOut:
    return _ops_merchant(services.merchant_close(operator=_user(request),
                                                 merchant_id=merchant_id,
                                                 reason=payload.reason))


# --- invitations (the invitee's side) ---------------------------------------------------------
@router.get("/invitations", response=list[InvitationOut], auth=token_or_session,
            summary="Invitations to join a merchant that wait for my answer")
@paginate
def invitation_mine(request: HttpRequest) -> list[InvitationOut]:
    return [_invitation(i)
            for i in selectors.invitations_for_user(user=_user(request))]


@router.post("/invitations/{invitation_id}/accept", response=StaffOut, auth=token_or_session,
             summary="Accept an invitation and join the merchant's staff")
def invitation_accept(request: HttpRequest, invitation_id: int) -> StaffOut:
    staff = services.staff_invitation_accept(user=_user(request), invitation_id=invitation_id)
    return StaffOut(user_id=staff.user_id, nickname=staff.user.nickname, role=staff.role,
                    added_at=staff.added_at)


@router.post("/invitations/{invitation_id}/decline", response=InvitationOut,
             auth=token_or_session, summary="Decline an invitation")
def invitation_decline(request: HttpRequest, invitation_id: int) -> InvitationOut:
    invitation = services.staff_invitation_decline(user=_user(request),
                                                   invitation_id=invitation_id)
    return _invitation(invitation)


@router.delete("/invitations/{invitation_id}", response=InvitationOut, auth=token_or_session,
               summary="Owner: revoke an invitation that has not been answered")
def invitation_revoke(request: HttpRequest, invitation_id: int) -> InvitationOut:
    invitation = services.staff_invitation_revoke(user=_user(request),
                                                  invitation_id=invitation_id)
    return _invitation(invitation)


# --- merchants (staff side) -------------------------------------------------------------------
@router.get("/mine", response=list[MerchantBrief], auth=token_or_session,
            summary="The merchants I work for")
def merchant_mine(request: HttpRequest) -> list[dict[str, Any]]:
    return [_brief(m) for m in selectors.merchants_of_user(user=_user(request))]


@router.get("/{merchant_id}", response=MerchantOut, auth=token_or_session,
            summary="My merchant: status, deposit and staff (404 unless I am its staff)")
def merchant_detail(request: HttpRequest, merchant_id: int) -> MerchantOut:
    merchant = selectors.merchant_for_staff(user=_user(request), merchant_id=merchant_id)
    return _merchant(merchant, _user(request))


@router.post("/{merchant_id}/profile", response=MerchantOut, auth=token_or_session,
             summary="Staff: edit the introduction and logo (multipart; both optional)")
def merchant_profile_update(request: HttpRequest, merchant_id: int,
                            payload: Form[ProfileIn],
                            logo: File[UploadedFile] | None = None) -> MerchantOut:
    merchant = services.merchant_profile_update(user=_user(request), merchant_id=merchant_id,
                                                introduction=payload.introduction, logo=logo)
    return _merchant(merchant, _user(request))


@router.get("/{merchant_id}/public", response=MerchantPublicOut, auth=None,
            summary="A merchant's public card: name, logo, introduction, genuine guarantee")
def merchant_public(request: HttpRequest, merchant_id: int) -> MerchantPublicOut:
    merchant = selectors.merchant_public(merchant_id=merchant_id)
    return MerchantPublicOut(
        id=merchant.pk, name=merchant.name,
        logo_url=merchant.logo.url if merchant.logo else None,
        introduction=merchant.introduction, status=merchant.status,
        genuine_guarantee=merchant.deposit_ok)


@router.get("/{merchant_id}/invitations", response=list[InvitationOut], auth=token_or_session,
            summary="Owner: the merchant's invitations waiting for an answer")
def merchant_invitation_list(request: HttpRequest, merchant_id: int) -> list[InvitationOut]:
    merchant = selectors.merchant_for_owner(user=_user(request), merchant_id=merchant_id)
    return [_invitation(i)
            for i in selectors.invitations_of_merchant(merchant=merchant)]


@router.post("/{merchant_id}/invitations", response={201: InvitationOut},
             auth=token_or_session, summary="Owner: invite someone by mobile number")
@decorate_view(idempotent)
def merchant_invite(request: HttpRequest, merchant_id: int,
                    payload: InvitationIn) -> Status[InvitationOut]:
    invitation = services.staff_invitation_create(user=_user(request), merchant_id=merchant_id,
                                                  mobile=payload.mobile)
    return Status(201, _invitation(invitation))


@router.delete("/{merchant_id}/staff/{user_id}", response={204: None}, auth=token_or_session,
               summary="Owner: remove a staff member (not the owner)")
def merchant_staff_remove(request: HttpRequest, merchant_id: int, user_id: int) -> Status[None]:
    services.merchant_staff_remove(user=_user(request), merchant_id=merchant_id,
                                   staff_user_id=user_id)
    return Status(204, None)
