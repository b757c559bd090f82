"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmart.core.money import parse_yuan


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
