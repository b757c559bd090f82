"""Forms parse what a page posts; the services decide whether it is acceptable.

Fields are not required here so that every problem comes from the service, in one place, with
the same messages as the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

DOCUMENT_ACCEPT = "image/jpeg,image/png,application/pdf"


class ApplicationForm(forms.Form):
    company_name = forms.CharField(label=_("Company name"), required=False, max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"), required=False, max_length=40,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off",
                                      "spellcheck": "false"}))
    legal_representative = forms.CharField(label=_("Legal representative"), required=False,
                                           max_length=100)
    contact_name = forms.CharField(label=_("Contact person"), required=False, max_length=100)
    contact_mobile = forms.CharField(
        label=_("Contact mobile"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    brand_name = forms.CharField(label=_("Brand name"), required=False, max_length=100)
    main_categories = forms.MultipleChoiceField(
        label=_("Main categories (one to three)"), required=False,
        widget=forms.CheckboxSelectMultiple)
    business_licence = forms.FileField(
        label=_("Business licence"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}))
    brand_authorisation = forms.FileField(
        label=_("Brand authorisation"), required=False,
        widget=forms.ClearableFileInput(attrs={"accept": DOCUMENT_ACCEPT}))

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["main_categories"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(pk), name) for pk, name in categories]


class ProfileForm(forms.Form):
    introduction = forms.CharField(label=_("Introduction"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    logo = forms.FileField(label=_("Logo"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class InvitationForm(forms.Form):
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}))
