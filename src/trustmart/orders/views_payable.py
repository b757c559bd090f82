"""H5 page of the merchant's payable: balance, settled orders, withdrawals. Thin: parse, call
the settlement service or selectors, render the result or the error."""

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

from . import settlement
from .forms import YuanField


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
                settlement.merchant_withdrawal_create(
                    user=request.user, merchant_id=merchant.pk,
                    amount_fen=form.cleaned_data["amount"],
                    request_id=form.cleaned_data["request_id"])
            except DomainError as exc:
                form.add_error("amount", str(exc.message))
            else:
                messages.success(request, _("Withdrawal paid out."))
                return redirect(f"{reverse('orders_payable:payable')}?merchant={merchant.pk}")
    return render(request, "orders/payable.html", {
        "merchant": merchant,
        "payable_fen": settlement.merchant_payable_fen(merchant=merchant),
        "orders": settlement.merchant_settled_orders(merchant=merchant),
        "withdrawals": settlement.merchant_withdrawals(merchant=merchant),
        "minimum_fen": settlement.withdrawal_minimum_fen(),
        "refusal": settlement.merchant_withdrawal_refusal(merchant=merchant),
        "form": form,
    })
