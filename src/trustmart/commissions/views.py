"""H5 pages of commissions. Thin: parse, call a service or selector, render the result or error.

我的收益 (``/me/earnings/``) shows only the signed-in user's rows; another user's commission is
not found. The rules page is public. Operator and merchant pages are 404 for everyone else.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors
from trustmart.merchants.selectors import merchants_of_user, require_operator

from . import selectors, services
from .forms import PolicyForm, RejectForm, WithdrawForm
from .services.fraud import REASONS
from .services.policy import MAX_TOTAL_CEILING_BPS

PAGE_SIZE = 30


def _fresh_withdraw_form() -> WithdrawForm:
    return WithdrawForm(initial={"request_id": uuid.uuid4().hex})


@login_required
def earnings(request: HttpRequest) -> HttpResponse:
    """我的收益: balances, store figures, commissions, withdrawals and the withdraw form."""
    form = _fresh_withdraw_form()
    if request.method == "POST":
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.commission_withdraw(user=request.user,
                                             amount_fen=form.cleaned_data["amount"],
                                             request_id=form.cleaned_data["request_id"])
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Withdrawal paid out."))
                return redirect("commissions:earnings")
    return render(request, "commissions/earnings.html", {
        "money": selectors.earnings_of(user=request.user),
        "stats": selectors.sharer_stats(user=request.user),
        "commissions": selectors.commissions_of(user=request.user)[:PAGE_SIZE],
        "withdrawals": selectors.withdrawals_of(user=request.user)[:PAGE_SIZE],
        "policy": services.policy_current(),
        "form": form,
    })


@login_required
@domain_errors
def commission_detail(request: HttpRequest, commission_id: int) -> HttpResponse:
    commission = selectors.commission_of(user=request.user, commission_id=commission_id)
    return render(request, "commissions/commission_detail.html", {"c": commission})


def rules(request: HttpRequest) -> HttpResponse:
    """The public page that explains the commission rules in plain words."""
    return render(request, "commissions/rules.html", {
        "policy": services.policy_current(), "ceiling_bps": MAX_TOTAL_CEILING_BPS})


# --- operators -------------------------------------------------------------------------------
def _reason_labels() -> dict[str, str]:
    return {
        "shared_device": _("Buyer and sharer used the same device"),
        "address_mobile": _("Delivery mobile is the sharer's"),
        "earner_address": _("Delivery address is the sharer's"),
        "same_payer": _("Paid by the sharer's account"),
        "fast_click_to_pay": _("Paid too soon after opening the share"),
    }


@login_required
@domain_errors
def review_queue(request: HttpRequest) -> HttpResponse:
    queue = list(selectors.review_queue(user=request.user)[:100])
    labels = _reason_labels()
    for commission in queue:
        commission.reason_labels = [labels.get(code, code)  # type: ignore[attr-defined]
                                    for code in commission.review_reasons if code in REASONS]
    return render(request, "commissions/review_queue.html", {
        "queue": queue, "reject_form": RejectForm()})


@login_required
@require_POST
@domain_errors(redirect_to="commissions:review")
def review_decide(request: HttpRequest, commission_id: int, decision: str) -> HttpResponse:
    require_operator(request.user)
    if decision == "approve":
        services.commission_approve(user=request.user, commission_id=commission_id)
        messages.success(request, _("Commission approved."))
    elif decision == "reject":
        form = RejectForm(request.POST)
        reason = form.data.get("reason", "")
        services.commission_reject(user=request.user, commission_id=commission_id,
                                   reason=str(reason))
        messages.success(request, _("Commission rejected."))
    else:
        raise NotFound()
    return redirect("commissions:review")


@login_required
@domain_errors
def policy_page(request: HttpRequest) -> HttpResponse:
    history = list(selectors.policy_history(user=request.user))
    current = services.policy_current()
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                services.policy_change(user=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Commission policy saved."))
                return redirect("commissions:policy")
    else:
        form = PolicyForm(initial={f: getattr(current, f) for f in PolicyForm.base_fields
                                   if f != "note"})
    return render(request, "commissions/policy.html", {
        "form": form, "history": history, "current": current})


# --- merchants -------------------------------------------------------------------------------
@login_required
@domain_errors
def merchant_sharers(request: HttpRequest) -> HttpResponse:
    """Top sharers and channels of the signed-in staff member's merchant (?merchant= picks)."""
    merchant_ids = list(merchants_of_user(user=request.user).values_list("pk", flat=True))
    wanted = request.GET.get("merchant", "")
    merchant_id = int(wanted) if wanted.isdigit() else (merchant_ids[0] if merchant_ids else 0)
    sharers = selectors.merchant_top_sharers(user=request.user, merchant_id=merchant_id)
    channels = selectors.merchant_top_channels(user=request.user, merchant_id=merchant_id)
    return render(request, "commissions/merchant_sharers.html", {
        "sharers": sharers, "channels": channels})
