"""H5 pages for payments, and the providers' public callback endpoint. Thin: parse, call a
service or selector, render. Another user's payment or merchant is a plain 404 page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error
from trustmart.core.money import format_fen
from trustmart.core.ratelimit import client_ip

from . import selectors, services
from .forms import DepositForm
from .models import Payment
from .providers import DEFAULT_PROVIDER
from .providers.sandbox import SandboxProvider

PAYMENTS_PER_PAGE = 20


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)




@login_required
def deposit(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The merchant's deposit: what is required, held and missing, and a form to pay."""
    try:
        summary = selectors.deposit_summary(user=request.user, merchant_id=merchant_id)
    except NotFound:
        return _not_found(request)
    form = DepositForm(request.POST or None,
                       initial={"amount_fen": format_fen(summary.suggested_fen, symbol="")})
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.deposit_payment_create(
                user=request.user,  # type: ignore[arg-type]
                merchant_id=merchant_id, amount_fen=form.cleaned_data["amount_fen"],
                return_url=request.path)
            start = services.payment_start(user=request.user,  # type: ignore[arg-type]
                                           payment_no=payment.payment_no,
                                           client_ip=client_ip(request))
        except DomainError as exc:
            form_error(form, exc)
        else:
            return redirect(start.redirect_url or payment_result_url(payment))
    return render(request, "payments/deposit.html", {"summary": summary, "form": form})


def payment_result_url(payment: Payment) -> str:
    return reverse("payments:result", args=[payment.payment_no])


@login_required
def checkout_cashier(request: HttpRequest, checkout_no: str) -> HttpResponse:
    """收银台 of a checkout: the amount, the orders it pays for, a choice of provider, 去支付."""
    try:
        cashier = selectors.checkout_cashier(user=request.user, checkout_no=checkout_no)
    except NotFound:
        return _not_found(request)
    error, status = "", 200
    if request.method == "POST":
        try:
            payment = services.checkout_payment_create(
                user=request.user,  # type: ignore[arg-type]
                checkout_no=checkout_no,
                provider=request.POST.get("provider", "") or DEFAULT_PROVIDER,
                return_url=request.POST.get("return_url", ""))
            start = services.payment_start(user=request.user,  # type: ignore[arg-type]
                                           payment_no=payment.payment_no,
                                           client_ip=client_ip(request))
        except DomainError as exc:
            error, status = str(exc.message), exc.status
            cashier = selectors.checkout_cashier(user=request.user, checkout_no=checkout_no)
        else:
            return redirect(start.redirect_url or payment_result_url(payment))
    return render(request, "payments/checkout.html", {"cashier": cashier, "error": error},
                  status=status)


@login_required
def sandbox(request: HttpRequest, payment_no: str) -> HttpResponse:
    """The sandbox cashier: the payer picks what the pretend provider reports."""
    try:
        payment = selectors.payment_for_payer(user=request.user, payment_no=payment_no)
    except NotFound:
        return _not_found(request)
    if payment.provider != SandboxProvider.name:
        return _not_found(request)
    if request.method == "POST":
        try:
            services.sandbox_complete(user=request.user,  # type: ignore[arg-type]
                                      payment_no=payment_no,
                                      outcome=request.POST.get("outcome", ""))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("payments:result", payment_no=payment_no)
    if payment.status != Payment.Status.CREATED:
        return redirect("payments:result", payment_no=payment_no)
    return render(request, "payments/sandbox.html", {"payment": payment})


@login_required
def result(request: HttpRequest, payment_no: str) -> HttpResponse:
    """How the payment ended; while it is still open, htmx polls the status block."""
    try:
        payment = selectors.payment_for_payer(user=request.user, payment_no=payment_no)
    except NotFound:
        return _not_found(request)
    template = ("payments/_result_status.html" if request.htmx  # type: ignore[attr-defined]
                else "payments/result.html")
    return render(request, template, {"payment": payment})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的支付: the user's payments, newest first."""
    page = Paginator(selectors.payments_of(user=request.user),
                     PAYMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "payments/mine.html", {"page": page})


@csrf_exempt
@require_POST
def callback(request: HttpRequest, provider: str) -> HttpResponse:
    """Where providers post their notifications; answered the way each provider expects."""
    outcome = services.callback_handle(provider=provider, headers=dict(request.headers),
                                       body=request.body)
    if isinstance(outcome.http_body, str):  # e.g. Alipay wants the bare word "success"
        return HttpResponse(outcome.http_body, status=outcome.http_status,
                            content_type="text/plain; charset=utf-8")
    return JsonResponse(outcome.http_body, status=outcome.http_status)


@csrf_exempt
@require_POST
def refund_callback(request: HttpRequest, provider: str) -> HttpResponse:
    """Where providers post refund notifications (WeChat Pay's refund notify_url)."""
    outcome = services.refund_callback_handle(provider=provider, headers=dict(request.headers),
                                              body=request.body)
    if isinstance(outcome.http_body, str):
        return HttpResponse(outcome.http_body, status=outcome.http_status,
                            content_type="text/plain; charset=utf-8")
    return JsonResponse(outcome.http_body, status=outcome.http_status)


@login_required
@require_POST
def sandbox_bridge(request: HttpRequest, payment_no: str) -> HttpResponse:
    """What the sandbox WeixinJSBridge stand-in posts when the payer confirms (or cancels) in
    its pay sheet: the bridge parameters must be the ones the sandbox signed, like WeChat's
    check of paySign. Answers like the real bridge: ``get_brand_wcpay_request:ok``."""
    try:
        result = services.sandbox_bridge_complete(
            user=request.user,  # type: ignore[arg-type]
            payment_no=payment_no, params=request.POST.dict(),
            outcome=request.POST.get("outcome", ""))
    except NotFound:
        return JsonResponse({"err_msg": "get_brand_wcpay_request:fail"}, status=404)
    except DomainError as exc:
        return JsonResponse({"err_msg": "get_brand_wcpay_request:fail", "code": exc.code},
                            status=exc.status)
    return JsonResponse({"err_msg": result})
