"""H5 page of the merchant's payable: balance, settled orders, withdrawals and where each stands,
the payout account. Thin: parse, call the withdrawal service or selectors, render."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trustmart.core.errors import DomainError, NotFound
from trustmart.merchants.selectors import merchant_for_staff, merchants_of_user
from trustmart.orders import settlement
from trustmart.orders.forms import YuanField

from . import selectors
from . import services as withdrawals


class WithdrawalForm(forms.Form):
    amount = YuanField(label=gettext_lazy("Amount (yuan)"),
                       widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    request_id = forms.CharField(max_length=64, widget=forms.HiddenInput)


def _fresh_form() -> WithdrawalForm:
    return WithdrawalForm(initial={"request_id": uuid.uuid4().hex})


@login_required
def payable_page(request: HttpRequest) -> HttpResponse:
    """For the merchant of the signed-in staff member (``?merchant=`` picks one of several)."""
    merchant_ids = list(merchants_of_user(user=request.user).values_list("pk", flat=True))
    wanted = request.GET.get("merchant", "")
    merchant_id = int(wanted) if wanted.isdigit() else (merchant_ids[0] if merchant_ids else 0)
    try:
        merchant = merchant_for_staff(user=request.user, merchant_id=merchant_id)
    except NotFound:
        return render(request, "web/not_found.html", status=404)
    form = _fresh_form()
    if request.method == "POST":
        form = WithdrawalForm(request.POST)
        if form.is_valid():
            try:
                withdrawals.merchant_withdrawal_create(
                    user=request.user, merchant_id=merchant.pk,
                    amount_fen=form.cleaned_data["amount"],
                    request_id=form.cleaned_data["request_id"])
            except DomainError as exc:
                form.add_error("amount", str(exc.message))
            else:
                messages.success(request, _("Withdrawal requested: it is on its way to your "
                                            "payout account."))
                return redirect(f"{reverse('payments_payable:payable')}?merchant={merchant.pk}")
    return render(request, "payments/payable.html", {
        "merchant": merchant,
        "payable_fen": settlement.merchant_payable_fen(merchant=merchant),
        "orders": settlement.merchant_settled_orders(merchant=merchant),
        "withdrawals": withdrawals.merchant_withdrawals(merchant=merchant),
        "minimum_fen": withdrawals.withdrawal_minimum_fen(),
        "accounts": selectors.payout_accounts_of(owner_type="merchant", owner_id=merchant.pk),
        "is_owner": merchant.owner_id == request.user.pk,
        "refusal": withdrawals.merchant_withdrawal_refusal(merchant=merchant),
        "form": form,
    })
