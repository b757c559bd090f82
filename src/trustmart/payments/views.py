"""H5 pages for payments, and the providers' public callback endpoint. Thin: parse, call a
service or selector, render. Another user's payment or merchant is a plain 404 page."""

from __future__ import annotations

import base64
import io
import re
from urllib.parse import urlencode

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error
from trustmart.core.http import domain_errors, not_found
from trustmart.core.money import format_fen
from trustmart.core.ratelimit import client_ip

from . import selectors, services, wechat_oa
from .forms import DepositForm
from .models import Payment
from .providers import (
    DEFAULT_PROVIDER,
    ChannelNotSupported,
    ClientKind,
    ProviderStart,
    StartAction,
)
from .providers.sandbox import SandboxProvider

PAYMENTS_PER_PAGE = 20
_PHONE = re.compile(r"Mobile|Android|iPhone|iPad|iPod|HarmonyOS", re.IGNORECASE)
_DESKTOP = re.compile(r"Windows NT|Macintosh|X11|CrOS")


def client_kind(request: HttpRequest) -> str:
    """Where the payer is, from the user agent: WeChat's browser (MicroMessenger), a desktop
    browser, or (anything else: this is a phone site) a phone browser."""
    agent = request.headers.get("User-Agent", "")
    if "MicroMessenger" in agent:
        return ClientKind.WECHAT
    if _DESKTOP.search(agent) and not _PHONE.search(agent):
        return ClientKind.DESKTOP
    return ClientKind.MOBILE


def _continue(request: HttpRequest, payment: Payment, start: ProviderStart) -> HttpResponse:
    """Take the payer on from a started payment: the provider's page, the JSAPI bridge page
    (inside WeChat), or a QR code to scan (desktop)."""
    if start.action == StartAction.JSAPI:
        return render(request, "payments/jsapi.html", {
            "payment": payment, "bridge": start.app_params,
            "sandbox": payment.provider == SandboxProvider.name,
            "result_url": payment_result_url(payment)})
    if start.action == StartAction.QR and not start.redirect_url:
        code_url = (request.build_absolute_uri(start.code_url)
                    if start.code_url.startswith("/") else start.code_url)
        return render(request, "payments/qr.html", {
            "payment": payment, "code_url": code_url, "qr": _qr_data_uri(code_url)})
    return redirect(start.redirect_url or payment_result_url(payment))


def _qr_data_uri(text: str) -> str:
    image = qrcode.make(text, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def wechat_sign_in(request: HttpRequest) -> HttpResponse:
    """The payer's openid is missing: through WeChat's silent authorisation and back here."""
    query = urlencode({"next": request.get_full_path()}, safe="/")
    return redirect(f"{reverse('payments:wechat_oauth_start')}?{query}")


@login_required
@require_GET
def wechat_oauth_start(request: HttpRequest) -> HttpResponse:
    """Off to WeChat's web authorisation (snsapi_base): it comes back with a code."""
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts=None) \
            or not next_url.startswith("/"):
        next_url = reverse("payments:mine")
    try:
        url = wechat_oa.oauth_start(
            session=request.session, user_id=int(request.user.pk or 0), next_url=next_url,
            redirect_uri=request.build_absolute_uri(reverse("payments:wechat_oauth_callback")))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(next_url)
    return redirect(url)


@login_required
@require_GET
def wechat_oauth_callback(request: HttpRequest) -> HttpResponse:
    """WeChat's redirect back: the state checked, the openid kept, back to where we were."""
    try:
        next_url = services.wechat_oauth_complete(
            user=request.user,  # type: ignore[arg-type]
            session=request.session, state=request.GET.get("state", ""),
            code=request.GET.get("code", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("payments:mine")
    return redirect(next_url)



@login_required
@domain_errors
def deposit(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The merchant's deposit: what is required, held and missing, and a form to pay."""
    summary = selectors.deposit_summary(user=request.user, merchant_id=merchant_id)
    form = DepositForm(request.POST or None,
                       initial={"amount_fen": format_fen(summary.suggested_fen, symbol="")})
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.deposit_payment_create(
                user=request.user,  # type: ignore[arg-type]
                merchant_id=merchant_id, amount_fen=form.cleaned_data["amount_fen"],
                return_url=request.path, client=client_kind(request))
            start = services.payment_start(user=request.user,  # type: ignore[arg-type]
                                           payment_no=payment.payment_no,
                                           client_ip=client_ip(request))
        except services.WechatOpenidRequired:
            return wechat_sign_in(request)
        except DomainError as exc:
            form_error(form, exc)
        else:
            return _continue(request, payment, start)
    return render(request, "payments/deposit.html", {"summary": summary, "form": form})


def payment_result_url(payment: Payment) -> str:
    return reverse("payments:result", args=[payment.payment_no])


@login_required
@domain_errors
def checkout_cashier(request: HttpRequest, checkout_no: str) -> HttpResponse:
    """收银台 of a checkout: the amount, the orders it pays for, a choice of provider, 去支付."""
    cashier = selectors.checkout_cashier(user=request.user, checkout_no=checkout_no)
    error, status = "", 200
    kind = client_kind(request)
    provider = request.POST.get("provider", "") or DEFAULT_PROVIDER
    if request.method == "POST":
        try:
            payment = services.checkout_payment_create(
                user=request.user,  # type: ignore[arg-type]
                checkout_no=checkout_no, provider=provider,
                return_url=request.POST.get("return_url", ""), client=kind)
            start = services.payment_start(user=request.user,  # type: ignore[arg-type]
                                           payment_no=payment.payment_no,
                                           client_ip=client_ip(request))
        except ChannelNotSupported as exc:
            if kind == ClientKind.WECHAT:  # Alipay inside WeChat: WeChat blocks its pages
                return render(request, "payments/open_in_browser.html", {
                    "cashier": cashier, "link": request.build_absolute_uri(request.path)})
            error, status = str(exc.message), exc.status
        except services.WechatOpenidRequired:
            return wechat_sign_in(request)
        except DomainError as exc:
            error, status = str(exc.message), exc.status
            cashier = selectors.checkout_cashier(user=request.user, checkout_no=checkout_no)
        else:
            return _continue(request, payment, start)
    return render(request, "payments/checkout.html", {
        "cashier": cashier, "error": error, "in_wechat": kind == ClientKind.WECHAT},
        status=status)


@login_required
@domain_errors
def sandbox(request: HttpRequest, payment_no: str) -> HttpResponse:
    """The sandbox cashier: the payer picks what the pretend provider reports."""
    payment = selectors.payment_for_payer(user=request.user, payment_no=payment_no)
    if payment.provider != SandboxProvider.name:
        return not_found(request)
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
    qr = (_qr_data_uri(request.build_absolute_uri(request.path))
          if payment.channel == "native" else "")
    return render(request, "payments/sandbox.html", {"payment": payment, "qr": qr})


@login_required
@domain_errors
def result(request: HttpRequest, payment_no: str) -> HttpResponse:
    """How the payment ended; while it is still open, htmx polls the status block."""
    payment = selectors.payment_for_payer(user=request.user, payment_no=payment_no)
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
