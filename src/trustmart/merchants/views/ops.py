"""Operator pages: the application queue with its decisions, and merchant status.

For anyone who is not an operator these pages do not exist (404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors, not_found
from trustmart.core.money import format_fen

from .. import selectors, services
from ..forms import ReasonForm
from ..models import Merchant

MERCHANT_ACTIONS = {
    "suspend": services.merchant_suspend,
    "reinstate": services.merchant_reinstate,
    "close": services.merchant_close,
}


@login_required
@domain_errors
def ops_application_queue(request: HttpRequest) -> HttpResponse:
    queue = selectors.application_pending_queue(user=request.user)
    return render(request, "merchants/ops_queue.html", {"applications": queue})


def _detail(request: HttpRequest, application_id: int, *, reject_form: ReasonForm | None = None,
            approve_form: ReasonForm | None = None, status: int = 200) -> HttpResponse:
    application = selectors.application_for_operator(user=request.user,
                                                     application_id=application_id)
    deposit = max((c.deposit_fen for c in application.main_categories.all()), default=0)
    return render(request, "merchants/ops_application.html", {
        "application": application, "deposit": format_fen(deposit),
        "approve_form": approve_form or ReasonForm(prefix="approve"),
        "reject_form": reject_form or ReasonForm(prefix="reject"),
    }, status=status)


@login_required
@domain_errors
def ops_application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    return _detail(request, application_id)


@login_required
@require_POST
@domain_errors
def ops_application_decide(request: HttpRequest, application_id: int,
                           decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        return not_found(request)
    form = ReasonForm(request.POST, prefix=decision)
    reason = form.data.get(f"{decision}-reason", "")
    try:
        if decision == "approve":
            merchant = services.application_approve(operator=request.user,
                                                    application_id=application_id,
                                                    reason=reason)
            messages.success(request, _("Approved: %(name)s is now a merchant.")
                             % {"name": merchant.name})
        else:
            services.application_reject(operator=request.user, application_id=application_id,
                                        reason=reason)
            messages.success(request, _("Application rejected."))
    except NotFound:
        raise
    except DomainError as exc:
        if not exc.fields:  # already decided, own application: say so on the detail page
            messages.error(request, str(exc.message))
            return redirect("merchants:ops_application", application_id=application_id)
        form.is_valid()
        form_error(form, exc)
        forms = {"approve_form": form} if decision == "approve" else {"reject_form": form}
        return _detail(request, application_id, status=exc.status, **forms)
    return redirect("merchants:ops_applications")


def _row_context(merchant: Merchant, error: str = "") -> dict[str, object]:
    return {"merchant": merchant, "error": error,
            "selling": selectors.merchant_is_selling(merchant),
            "required": format_fen(merchant.deposit_required_fen)}


@login_required
@domain_errors
def ops_merchant_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or None
    merchants = selectors.merchants_for_operator(user=request.user, status=status)
    return render(request, "merchants/ops_merchants.html", {
        "rows": [_row_context(m) for m in merchants[:200]],
        "status": status, "statuses": Merchant.Status.choices,
    })


@login_required
@require_POST
@domain_errors
def ops_merchant_action(request: HttpRequest, merchant_id: int, action: str) -> HttpResponse:
    """Suspend, reinstate or close; with htmx the merchant's row is replaced in place."""
    service = MERCHANT_ACTIONS.get(action)
    if service is None:
        return not_found(request)
    error = ""
    try:
        merchant = service(operator=request.user, merchant_id=merchant_id,
                           reason=request.POST.get("reason", ""))
    except NotFound:
        raise
    except DomainError as exc:
        error = str(exc.message)
        merchant = selectors.merchant_for_operator(user=request.user, merchant_id=merchant_id)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "merchants/_ops_merchant_row.html", _row_context(merchant, error))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("%(name)s: %(status)s.")
                         % {"name": merchant.name, "status": merchant.get_status_display()})
    return redirect("merchants:ops_merchants")
