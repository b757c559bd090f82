"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class StoreForm(forms.Form):
    name = forms.CharField(label=_("Store name"), max_length=30,
                           widget=forms.TextInput(attrs={"placeholder": _("e.g. Xiaoyu's picks")}))
    introduction = forms.CharField(label=_("Introduction"), max_length=200, required=False,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    avatar = forms.FileField(label=_("Store avatar"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
