"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmart.core.forms import YuanField

from .shipping import PROVINCES

PROVINCE_CHOICES = [("", _("Choose a province"))] + [(p, p) for p in PROVINCES]


class AddressForm(forms.Form):
    recipient_name = forms.CharField(label=_("Recipient"), max_length=30)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "tel"}))
    province = forms.ChoiceField(label=_("Province"), choices=PROVINCE_CHOICES)
    city = forms.CharField(label=_("City"), max_length=30)
    district = forms.CharField(label=_("District"), max_length=30)
    detail = forms.CharField(label=_("Street address"), max_length=120)
    is_default = forms.BooleanField(label=_("Use as default address"), required=False)


class ShippingRuleForm(forms.Form):
    flat_fee = YuanField(label=_("Shipping fee (yuan)"), required=False)
    free_over = YuanField(label=_("Free shipping from (yuan, optional)"), required=False)
    remote_provinces = forms.MultipleChoiceField(
        label=_("Remote regions"), required=False, choices=[(p, p) for p in PROVINCES],
        widget=forms.CheckboxSelectMultiple)
    remote_surcharge = YuanField(label=_("Remote surcharge (yuan)"), required=False)


class CartAddForm(forms.Form):
    sku_id = forms.IntegerField(min_value=1)
    quantity = forms.IntegerField(min_value=1, initial=1, required=False)
    store_id = forms.IntegerField(min_value=1, required=False)
