"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignUpForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "tel",
                                                           "autocomplete": "tel"}))
    code = forms.CharField(label=_("Verification code"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))
    nickname = forms.CharField(label=_("Nickname"), max_length=20)
    password = forms.CharField(label=_("Password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_confirm = forms.CharField(
        label=_("Repeat password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class LogInForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "tel",
                                                           "autocomplete": "username"}))
    password = forms.CharField(
        label=_("Password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeLogInForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number"), max_length=20,
                             widget=forms.TextInput(attrs={"inputmode": "tel",
                                                           "autocomplete": "username"}))
    code = forms.CharField(label=_("Verification code"), max_length=6,
                           widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                         "autocomplete": "one-time-code"}))


class PasswordResetForm(CodeLogInForm):
    password = forms.CharField(label=_("New password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_confirm = forms.CharField(
        label=_("Repeat password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class ProfileForm(forms.Form):
    nickname = forms.CharField(label=_("Nickname"), max_length=20)
    bio = forms.CharField(label=_("Introduction"), max_length=200, required=False,
                          widget=forms.Textarea(attrs={"rows": 3}))
    avatar = forms.FileField(label=_("Avatar"), required=False,
                             widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=50)
    expires_in_days = forms.IntegerField(label=_("Valid for (days)"), min_value=1,
                                         max_value=365, initial=90)
