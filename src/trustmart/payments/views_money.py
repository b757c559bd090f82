"""H5 pages of money out: payout accounts, the buyer's wallet (我的钱包), and the operators'
payout and reconciliation queues. Thin: parse, call a service or selector, render."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from trustmart.accounts.selectors import is_operator
from trustmart.core.errors import DomainError, NotFound
from trustmart.core.forms import form_error

from . import selectors, services
from .forms import AlipayAccountForm, BankAccountForm, WalletWithdrawForm, WechatAccountForm
from .models import PayoutBatch
from .services.reconciliation import FIXES
from .views import client_kind, wechat_sign_in


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "web/not_found.html", status=404)


@login_required
def payout_account_page(request: HttpRequest) -> HttpResponse:
    """Where my money goes (``?merchant=<id>``: where a merchant's goes, for its owner)."""
    wanted = request.GET.get("merchant", "")
    owner_type, owner_id = ("merchant", int(wanted)) if wanted.isdigit() else ("user", None)
    try:
        owner = services.payout_owner(user=request.user, owner_type=owner_type,
                                      owner_id=owner_id)
    except (NotFound, PermissionDenied):
        return _not_found(request)
    wechat_form = WechatAccountForm(prefix="wechat")
    alipay_form = AlipayAccountForm(prefix="alipay")
    bank_form = BankAccountForm(prefix="bank")
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "wechat":
                wechat_form = WechatAccountForm(request.POST, prefix="wechat")
                if wechat_form.is_valid():
                    services.payout_account_wechat_bind(
                        user=request.user, owner_type=owner_type, owner_id=owner,
                        real_name=wechat_form.cleaned_data["real_name"])
                    messages.success(request, _("Your WeChat balance (零钱) is set up."))
                    return redirect(request.get_full_path())
            elif action == "alipay":
                alipay_form = AlipayAccountForm(request.POST, prefix="alipay")
                if alipay_form.is_valid():
                    services.payout_account_alipay_set(
                        user=request.user, owner_type=owner_type, owner_id=owner,
                        **alipay_form.cleaned_data)
                    messages.success(request, _("Your Alipay account is set up."))
                    return redirect(request.get_full_path())
            elif action == "bank" and owner_type == "merchant":
                bank_form = BankAccountForm(request.POST, prefix="bank")
                if bank_form.is_valid():
                    services.payout_account_bank_set(user=request.user, owner_id=owner,
                                                     **bank_form.cleaned_data)
                    messages.success(request, _("The bank account waits for an operator to "
                                                "verify it."))
                    return redirect(request.get_full_path())
        except services.WechatOpenidRequired:
            return wechat_sign_in(request)
        except DomainError as exc:
            form = {"wechat": wechat_form, "alipay": alipay_form}.get(action, bank_form)
            form_error(form, exc)
    return render(request, "payments/payout_account.html", {
        "owner_type": owner_type, "owner_id": owner,
        "accounts": selectors.payout_accounts_of(owner_type=owner_type, owner_id=owner),
        "wechat_form": wechat_form, "alipay_form": alipay_form, "bank_form": bank_form,
        "in_wechat": client_kind(request) == "wechat"})


@login_required
def wallet_page(request: HttpRequest) -> HttpResponse:
    """我的钱包: the balance (compensation paid to me), its history, withdrawals, withdraw."""
    user_id = int(request.user.pk or 0)
    form = WalletWithdrawForm(initial={"request_id": uuid.uuid4().hex})
    if request.method == "POST":
        form = WalletWithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.wallet_withdraw(user=request.user,
                                         amount_fen=form.cleaned_data["amount"],
                                         request_id=form.cleaned_data["request_id"])
            except DomainError as exc:
                form_error(form, exc)
            else:
                messages.success(request, _("Withdrawal requested: it is on its way to your "
                                            "payout account."))
                return redirect("payments_payable:wallet")
    return render(request, "payments/wallet.html", {
        "balance_fen": services.wallet_balance_fen(user_id=user_id),
        "history": services.wallet_history(user_id=user_id),
        "payouts": services.wallet_payouts(user_id=user_id),
        "accounts": selectors.payout_accounts_of(owner_type="user", owner_id=user_id),
        "form": form})


@login_required
def ops_payouts(request: HttpRequest) -> HttpResponse:
    """Operators: bank accounts to verify, bank payouts to export and mark, failed payouts."""
    if not is_operator(request.user):
        return _not_found(request)
    if request.method == "POST":
        action, note = request.POST.get("action", ""), request.POST.get("note", "")
        target = request.POST.get("id", "")
        try:
            if action == "export":
                batch, _csv = services.payout_batch_create(user=request.user)
                if batch is not None:
                    return redirect("payments_payable:ops_batch_csv", batch_id=batch.pk)
                messages.info(request, _("No bank payout is waiting."))
            elif action in ("approve", "reject") and target.isdigit():
                services.payout_account_review(user=request.user, account_id=int(target),
                                               approve=action == "approve", note=note)
                messages.success(request, _("Done."))
            elif action in ("paid", "failed") and target.isdigit():
                services.payout_mark(user=request.user, payout_id=int(target),
                                     paid=action == "paid", note=note)
                messages.success(request, _("Done."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("payments_payable:ops_payouts")
    return render(request, "payments/ops_payouts.html",
                  {"queue": selectors.ops_payouts(user=request.user)})


@login_required
def ops_batch_csv(request: HttpRequest, batch_id: int) -> HttpResponse:
    if not is_operator(request.user):
        return _not_found(request)
    batch = PayoutBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return _not_found(request)
    response = HttpResponse(services.payout_batch_csv(batch=batch).encode("utf-8-sig"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payout-batch-{batch.pk}.csv"'
    return response


@login_required
def ops_reconciliation(request: HttpRequest) -> HttpResponse:
    """Operators: the differences the daily reconciliation found, and resolving them."""
    if not is_operator(request.user):
        return _not_found(request)
    if request.method == "POST":
        target = request.POST.get("id", "")
        try:
            services.reconciliation_resolve(user=request.user,
                                            difference_id=int(target) if target.isdigit() else 0,
                                            note=request.POST.get("note", ""))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Marked resolved."))
        return redirect("payments_payable:ops_reconciliation")
    resolved = request.GET.get("tab") == "resolved"
    return render(request, "payments/ops_reconciliation.html", {
        "differences": selectors.reconciliation_queue(user=request.user, resolved=resolved),
        "runs": selectors.reconciliation_runs(user=request.user), "resolved": resolved,
        "fixes": {code: str(text) for code, text in FIXES.items()}})
