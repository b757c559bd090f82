"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmart.core.money import parse_yuan
from trustmart.orders.forms import YuanField


class DepositForm(forms.Form):
    # Named after the service argument so the service's errors land next to the field.
    amount_fen = forms.CharField(
        label=_("Amount (yuan)"), max_length=16,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))

    def clean_amount_fen(self) -> int:
        try:
            return parse_yuan(self.cleaned_data["amount_fen"])
        except ValueError:
            raise forms.ValidationError(
                _("Enter an amount in yuan with at most two decimals, e.g. 1000 or 99.50."),
                code="invalid_amount") from None


class AlipayAccountForm(forms.Form):
    login_id = forms.CharField(label=_("Alipay account (mobile or e-mail)"), max_length=100)
    login_id_again = forms.CharField(label=_("Alipay account again"), max_length=100)
    real_name = forms.CharField(label=_("Real name on the account"), max_length=60)
    confirmed = forms.BooleanField(label=_("This Alipay account is mine and the name is its "
                                           "owner's"), required=False)


class BankAccountForm(forms.Form):
    real_name = forms.CharField(label=_("Account holder"), max_length=60)
    bank_name = forms.CharField(label=_("Bank"), max_length=60)
    bank_branch = forms.CharField(label=_("Branch"), max_length=100, required=False)
    bank_account_no = forms.CharField(label=_("Account number"), max_length=40)


class WechatAccountForm(forms.Form):
    real_name = forms.CharField(label=_("Real name (needed from ¥2,000 a withdrawal)"),
                                max_length=60, required=False)


class WalletWithdrawForm(forms.Form):
    amount = YuanField(label=_("Amount (yuan)"),
                       widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    request_id = forms.CharField(max_length=64, widget=forms.HiddenInput)
