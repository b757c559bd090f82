"""H5 pages for after-sales cases. Thin: parse, call a service or selector, render or redirect.

One case page serves all three parties (buyer, the merchant's staff, operators); what it offers
depends on who looks. Someone else's case, and its evidence files, is the not-found page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors, not_found
from trustmart.core.money import format_fen, parse_yuan
from trustmart.core.ratelimit import client_ip
from trustmart.core.storage import file_response
from trustmart.logistics.carriers import CARRIER_CHOICES
from trustmart.orders.selectors import order_for_buyer
from trustmart.payments.providers import DEFAULT_PROVIDER, available_providers
from trustmart.payments.services import payment_start

from . import selectors, services
from .forms import OpenCaseForm
from .models import WITHDRAWABLE, Kind, Status

PAGE_SIZE = 20
S = Status

EVENT_LABELS = {
    "opened": gettext_lazy("Case opened"),
    "merchant_accepted": gettext_lazy("The merchant agreed"),
    "auto_accepted": gettext_lazy("Agreed automatically: the merchant did not answer in time"),
    "merchant_rejected": gettext_lazy("The merchant refused"),
    "partial_offered": gettext_lazy("The merchant offered a partial refund"),
    "offer_accepted": gettext_lazy("The buyer accepted the offer"),
    "offer_declined": gettext_lazy("The buyer declined the offer"),
    "offer_lapsed": gettext_lazy("The offer lapsed"),
    "awaiting_return": gettext_lazy("Waiting for the buyer to send the goods back"),
    "return_shipped": gettext_lazy("The buyer sent the goods back"),
    "return_received": gettext_lazy("The merchant received the return"),
    "return_auto_confirmed": gettext_lazy("Return confirmed automatically"),
    "return_not_shipped": gettext_lazy("Closed: the goods were not sent back in time"),
    "refund_paid": gettext_lazy("Refund paid"),
    "compensation_paid": gettext_lazy("Counterfeit compensation paid (10x)"),
    "refunded": gettext_lazy("Refunded"),
    "escalated": gettext_lazy("The buyer asked the platform to step in"),
    "not_escalated": gettext_lazy("Closed: no escalation in time"),
    "upheld": gettext_lazy("The platform upheld the claim"),
    "dismissed": gettext_lazy("The platform dismissed the claim"),
    "withdrawn": gettext_lazy("The buyer withdrew the case"),
}
ROLE_LABELS = {"buyer": gettext_lazy("Buyer"), "merchant": gettext_lazy("Merchant"),
               "operator": gettext_lazy("Platform"), "system": gettext_lazy("System")}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- the buyer -------------------------------------------------------------------------------
@login_required
@domain_errors
def case_new(request: HttpRequest) -> HttpResponse:
    """申请售后: the claim form for one line of the buyer's order (?order=&line=)."""
    order_no = request.GET.get("order") or request.POST.get("order") or ""
    line_id = _int(request.GET.get("line") or request.POST.get("line"))
    order = order_for_buyer(user=request.user, order_no=order_no)
    line = next((ln for ln in order.lines.all() if ln.pk == line_id), None)
    if line is None:
        return not_found(request)
    existing = selectors.open_case_for_line(user=request.user, line_id=line.pk)
    if existing is not None:
        return redirect("aftersales:case", case_no=existing.case_no)
    allowed = services.kinds_for_order(order)
    remaining = max(line.paid_fen - line.refunded_fen, 0)
    form = OpenCaseForm(request.POST or None, kinds=allowed)
    if request.method == "POST" and form.is_valid():
        amount = form.cleaned_data.get("amount")
        try:
            case = services.case_open(
                buyer=request.user, order_no=order.order_no, line_id=line.pk,
                kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
                requested_fen=amount if amount is not None else None,
                images=request.FILES.getlist("images"))
        except DomainError as exc:
            form_error(form, exc, aliases={"requested_fen": "amount"})
        else:
            messages.success(request, _("Your case is open. The merchant has been told."))
            return redirect("aftersales:case", case_no=case.case_no)
    return render(request, "aftersales/case_new.html", {
        "form": form, "order": order, "line": line, "allowed": allowed,
        "remaining": format_fen(remaining)})


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.cases_of_buyer(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "aftersales/my_cases.html", {"page": page})


# --- every party ------------------------------------------------------------------------------
@login_required
@domain_errors
def case_detail(request: HttpRequest, case_no: str) -> HttpResponse:
    detail = selectors.case_detail(user=request.user, case_no=case_no)
    case = detail.case
    timeline = [(e, EVENT_LABELS.get(e.kind, e.kind), ROLE_LABELS.get(e.role, ""))
                for e in detail.events]
    return render(request, "aftersales/case_detail.html", {
        "d": detail, "case": case, "timeline": timeline, "carriers": CARRIER_CHOICES,
        "can_withdraw": detail.is_buyer and case.status in WITHDRAWABLE,
        "can_answer_offer": detail.is_buyer and case.status == S.PARTIAL_OFFERED,
        "can_escalate": detail.is_buyer and case.status == S.REJECTED,
        "can_ship_return": detail.is_buyer and case.status == S.AWAITING_RETURN,
        "can_reply": detail.is_merchant and case.status == S.AWAITING_MERCHANT,
        "can_confirm_return": detail.is_merchant and case.status == S.RETURNED,
        "can_decide": detail.is_operator and case.status == S.ARBITRATION,
        "compensation": format_fen(services.compensation_amount_fen(case)),
        "is_counterfeit": case.kind == Kind.COUNTERFEIT,
    })


def _yuan(value: str) -> int | None:
    try:
        return parse_yuan(value) if value.strip() else None
    except ValueError:
        return -1  # the service refuses it with its own message


ACTIONS: dict[str, Callable[[HttpRequest, str], object]] = {
    "withdraw": lambda r, no: services.case_withdraw(buyer=r.user, case_no=no),
    "offer_accept": lambda r, no: services.case_offer_accept(buyer=r.user, case_no=no),
    "offer_decline": lambda r, no: services.case_offer_decline(
        buyer=r.user, case_no=no, note=r.POST.get("note", "")),
    "escalate": lambda r, no: services.case_escalate(buyer=r.user, case_no=no,
                                                     note=r.POST.get("note", "")),
    "return_ship": lambda r, no: services.case_return_ship(
        buyer=r.user, case_no=no, carrier=r.POST.get("carrier", ""),
        tracking_no=r.POST.get("tracking_no", "")),
    "accept": lambda r, no: services.case_merchant_accept(user=r.user, case_no=no),
    "reject": lambda r, no: services.case_merchant_reject(user=r.user, case_no=no,
                                                          reason=r.POST.get("reason", "")),
    "offer": lambda r, no: services.case_merchant_offer(
        user=r.user, case_no=no, amount_fen=_yuan(r.POST.get("amount", "")) or 0,
        note=r.POST.get("note", "")),
    "return_received": lambda r, no: services.case_return_confirm(user=r.user, case_no=no),
    "decide": lambda r, no: services.case_arbitrate(
        operator=r.user, case_no=no, decision=r.POST.get("decision", ""),
        reason=r.POST.get("reason", ""), refund_fen=_yuan(r.POST.get("refund", ""))),
    "message": lambda r, no: services.case_message_post(
        user=r.user, case_no=no, text=r.POST.get("text", ""),
        images=r.FILES.getlist("images")),
}
DONE_MESSAGES = {
    "withdraw": gettext_lazy("Case withdrawn."),
    "offer_accept": gettext_lazy("Offer accepted."),
    "offer_decline": gettext_lazy("Offer declined. You may ask the platform to step in."),
    "escalate": gettext_lazy("The platform will look at your case."),
    "return_ship": gettext_lazy("Return shipment recorded."),
    "accept": gettext_lazy("Case accepted."),
    "reject": gettext_lazy("Case refused."),
    "offer": gettext_lazy("Offer sent to the buyer."),
    "return_received": gettext_lazy("Return received; the buyer is refunded."),
    "decide": gettext_lazy("Decision recorded and carried out."),
    "message": gettext_lazy("Message sent."),
}


@login_required
@require_POST
@domain_errors(redirect_to="aftersales:case", url_kwargs=("case_no",))
def case_action(request: HttpRequest, case_no: str, action: str) -> HttpResponse:
    call = ACTIONS.get(action)
    if call is None:
        raise NotFound()
    call(request, case_no)
    messages.success(request, str(DONE_MESSAGES[action]))
    return redirect("aftersales:case", case_no=case_no)


@login_required
@domain_errors
def case_image(request: HttpRequest, image_id: int) -> HttpResponse | FileResponse:
    """An evidence file, for the case's parties and operators only (never a public URL)."""
    image = selectors.case_image_for_viewer(user=request.user, image_id=image_id)
    return file_response(image.file, cache="private, max-age=3600")


# --- the merchant ------------------------------------------------------------------------------
@login_required
@domain_errors
def merchant_cases(request: HttpRequest) -> HttpResponse:
    merchant_ids = selectors.merchant_ids_of(user=request.user)
    merchant_id = _int(request.GET.get("merchant")) or (merchant_ids[0] if merchant_ids else 0)
    tab = request.GET.get("tab", "todo")
    if tab not in selectors.MERCHANT_TABS:
        tab = "todo"
    cases = selectors.cases_of_merchant(user=request.user, merchant_id=merchant_id, tab=tab)
    debts = list(selectors.debts_of_merchant(user=request.user, merchant_id=merchant_id,
                                             open_only=True))
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "aftersales/merchant_cases.html", {
        "page": page, "tab": tab, "tabs": selectors.MERCHANT_TAB_LABELS.items(),
        "merchant_id": merchant_id, "debts": debts,
        "debt_total": sum(d.outstanding_fen for d in debts),
        "payable_fen": (selectors.merchant_payable_available_fen(merchant_id=merchant_id)
                        if debts else 0),
        "repay_request_id": uuid.uuid4().hex,
        "providers": available_providers() if debts else []})


@login_required
@require_POST
@domain_errors
def merchant_debts_repay(request: HttpRequest) -> HttpResponse:
    """The merchant repays the guarantee fund from its payable (the amount in yuan, or all)."""
    merchant_id = _int(request.POST.get("merchant")) or 0
    amount = request.POST.get("amount", "")
    try:
        repaid = services.debt_repay(user=request.user, merchant_id=merchant_id,
                                     amount_fen=_yuan(amount), request_id=request.POST.get(
                                         "request_id") or None)
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if repaid:
            messages.success(request, _("Repaid %(amount)s to the guarantee fund.")
                             % {"amount": format_fen(repaid)})
    return redirect(f"{reverse('aftersales:merchant_cases')}?merchant={merchant_id}")


@login_required
@require_POST
@domain_errors
def merchant_debts_pay(request: HttpRequest) -> HttpResponse:
    """The merchant pays what is left of its debts from outside (WeChat Pay, Alipay, sandbox)."""
    merchant_id = _int(request.POST.get("merchant")) or 0
    back = f"{reverse('aftersales:merchant_cases')}?merchant={merchant_id}"
    try:
        payment = services.debt_payment_create(
            user=request.user, merchant_id=merchant_id,
            provider=request.POST.get("provider", "") or DEFAULT_PROVIDER, return_url=back)
        start = payment_start(user=request.user,  # type: ignore[arg-type]
                              payment_no=payment.payment_no, payment=payment,
                              client_ip=client_ip(request))
    except NotFound:
        raise
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    return redirect(start.redirect_url
                    or reverse("payments:result", args=[payment.payment_no]))


# --- operators ---------------------------------------------------------------------------------
@login_required
@domain_errors
def ops_cases(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "queue")
    if tab not in selectors.OPERATOR_TABS:
        tab = "queue"
    cases = selectors.cases_for_operator(user=request.user, tab=tab)
    debts = list(selectors.debts_for_operator(user=request.user, open_only=True)[:50])
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "aftersales/ops_cases.html", {
        "page": page, "tab": tab, "tabs": selectors.OPERATOR_TAB_LABELS.items(),
        "debts": debts})

