"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmart.core.forms import PercentField, YuanField


class WithdrawForm(forms.Form):
    amount = YuanField(label=_("Amount (yuan)"),
                       widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    request_id = forms.CharField(max_length=64, widget=forms.HiddenInput)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason (the sharer sees it)"), max_length=200)


class PolicyForm(forms.Form):
    level2_enabled = forms.BooleanField(label=_("Level 2 commission enabled"), required=False)
    # Rates in percent on the page, basis points for the service (3000 shows as "30").
    level2_bps = PercentField(label=_("Level 2 rate (%)"))
    max_total_bps = PercentField(label=_("Cap on all levels together (%)"))
    allow_self_purchase = forms.BooleanField(label=_("Commission on self-purchase"),
                                             required=False)
    withdrawal_min_fen = forms.IntegerField(label=_("Minimum withdrawal (fen)"), min_value=0)
    withdrawal_daily_limit_fen = forms.IntegerField(label=_("Daily withdrawal limit (fen)"),
                                                    min_value=0)
    min_click_to_pay_seconds = forms.IntegerField(
        label=_("Minimum seconds from visit to payment"), min_value=0)
    note = forms.CharField(label=_("Reason for the change"), max_length=200, required=False)
