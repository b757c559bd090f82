"""The merchant console (商家后台): status and deposit, staff, and the invitee's invitations.

A user who works for several merchants picks one with ``?merchant=<id>``; the first is the
default. Another user's merchant is a 404, like everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.http import domain_errors
from trustmart.core.money import format_fen

from .. import selectors, services
from ..forms import InvitationForm, ProfileForm
from ..models import Merchant


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _pick(request: HttpRequest) -> Merchant | None:
    """The merchant named by ``?merchant=`` (or a posted ``merchant``), else the user's first.

    Raises NotFound for a merchant the user does not work for.
    """
    raw = request.POST.get("merchant") or request.GET.get("merchant")
    if raw:
        merchant_id = _int(raw)
        if merchant_id is None:
            raise NotFound()
        return selectors.merchant_for_staff(user=request.user, merchant_id=merchant_id)
    return selectors.merchants_of_user(user=request.user).first()


def _console_url(merchant: Merchant, name: str = "merchants:console") -> str:
    return f"{reverse(name)}?merchant={merchant.pk}"


@login_required
@domain_errors
def console(request: HttpRequest) -> HttpResponse:
    merchant = _pick(request)
    if merchant is None:
        latest = selectors.applications_of_user(user=request.user).first()
        return render(request, "merchants/console_empty.html", {"latest": latest})
    balance = selectors.merchant_deposit_balance_fen(merchant=merchant)
    missing = max(merchant.deposit_required_fen - balance, 0)
    return render(request, "merchants/console.html", {
        "merchant": merchant,
        "merchants": selectors.merchants_of_user(user=request.user),
        "role": selectors.merchant_staff_role(user=request.user, merchant=merchant),
        "balance": format_fen(balance),
        "required": format_fen(merchant.deposit_required_fen),
        "missing_fen": missing,
        "missing": format_fen(missing),
        "selling": selectors.merchant_is_selling(merchant),
        "staff_count": selectors.merchant_staff_list(merchant=merchant).count(),
        "pay_url": f"/pay/deposit/{merchant.pk}/",
        "is_closed": merchant.status == Merchant.Status.CLOSED,
        "deposit_suspended": merchant.suspension_kind == Merchant.SuspensionKind.DEPOSIT,
        "profile_form": ProfileForm(initial={"introduction": merchant.introduction}),
    })


def _back_to(url_name: str) -> Callable[..., str]:
    """Where a console form goes back to: its page, for the merchant it was posted for."""
    return lambda request, **_kw: (
        f"{reverse(url_name)}?merchant={_int(request.POST.get('merchant'))}")


@login_required
@require_POST
@domain_errors(redirect_to=_back_to("merchants:console"))
def profile_edit(request: HttpRequest) -> HttpResponse:
    merchant_id = _int(request.POST.get("merchant"))
    form = ProfileForm(request.POST, request.FILES)
    form.is_valid()
    if merchant_id is None:
        raise NotFound()
    services.merchant_profile_update(
        user=request.user, merchant_id=merchant_id,
        introduction=form.data.get("introduction", ""),
        logo=form.cleaned_data.get("logo") or None)
    messages.success(request, _("Saved."))
    return redirect(f"{reverse('merchants:console')}?merchant={merchant_id}")


@login_required
@domain_errors
def staff(request: HttpRequest) -> HttpResponse:
    merchant = _pick(request)
    if merchant is None:
        return redirect("merchants:console")
    role = selectors.merchant_staff_role(user=request.user, merchant=merchant)
    is_owner = role == "owner"
    return render(request, "merchants/staff.html", {
        "merchant": merchant, "is_owner": is_owner,
        "members": selectors.merchant_staff_list(merchant=merchant),
        "pending": selectors.invitations_of_merchant(merchant=merchant) if is_owner else [],
        "form": InvitationForm(),
    })


@login_required
@require_POST
@domain_errors(redirect_to=_back_to("merchants:staff"))
def staff_invite(request: HttpRequest) -> HttpResponse:
    merchant_id = _int(request.POST.get("merchant"))
    form = InvitationForm(request.POST)
    if merchant_id is None:
        raise NotFound()
    services.staff_invitation_create(user=request.user, merchant_id=merchant_id,
                                     mobile=form.data.get("mobile", ""))
    messages.success(request, _("Invitation sent."))
    return redirect(f"{reverse('merchants:staff')}?merchant={merchant_id}")


@login_required
@require_POST
@domain_errors(redirect_to="merchants:staff")
def staff_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = services.staff_invitation_revoke(user=request.user,
                                                  invitation_id=invitation_id)
    messages.success(request, _("Invitation revoked."))
    return redirect(f"{reverse('merchants:staff')}?merchant={invitation.merchant_id}")


@login_required
@require_POST
@domain_errors(redirect_to=_back_to("merchants:staff"))
def staff_remove(request: HttpRequest, user_id: int) -> HttpResponse:
    merchant_id = _int(request.POST.get("merchant"))
    if merchant_id is None:
        raise NotFound()
    services.merchant_staff_remove(user=request.user, merchant_id=merchant_id,
                                   staff_user_id=user_id)
    messages.success(request, _("Removed from the staff."))
    return redirect(f"{reverse('merchants:staff')}?merchant={merchant_id}")


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    return render(request, "merchants/invitations.html", {
        "invitations": selectors.invitations_for_user(user=request.user),
    })


@login_required
@require_POST
@domain_errors
def invitation_answer(request: HttpRequest, invitation_id: int, answer: str) -> HttpResponse:
    """Accept or decline; with htmx the invitation's card is replaced by the outcome."""
    try:
        if answer == "accept":
            member = services.staff_invitation_accept(user=request.user,
                                                      invitation_id=invitation_id)
            text = _("You joined %(name)s.") % {"name": member.merchant.name}
        elif answer == "decline":
            services.staff_invitation_decline(user=request.user, invitation_id=invitation_id)
            text = _("Invitation declined.")
        else:
            raise NotFound()
    except NotFound:
        raise
    except DomainError as exc:
        if request.htmx:  # type: ignore[attr-defined]
            # htmx swaps only 2xx answers; the card itself says what went wrong.
            return render(request, "merchants/_invitation_answered.html", {
                "text": str(exc.message), "failed": True})
        messages.error(request, str(exc.message))
        return redirect("merchants:invitations")
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "merchants/_invitation_answered.html", {
            "text": text, "accepted": answer == "accept"})
    messages.success(request, text)
    return redirect("merchants:console" if answer == "accept" else "merchants:invitations")

