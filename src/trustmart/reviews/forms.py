"""H5 forms of the reviews app (pictures are read from ``request.FILES.getlist("images")``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Rating

STAR_CHOICES = [(n, str(n)) for n in range(5, 0, -1)]


class ReviewForm(forms.Form):
    rating = forms.ChoiceField(label=_("Overall"), choices=Rating.choices,
                               widget=forms.RadioSelect, initial=Rating.POSITIVE)
    description_stars = forms.TypedChoiceField(label=_("As described"), choices=STAR_CHOICES,
                                               coerce=int, widget=forms.RadioSelect, initial=5)
    service_stars = forms.TypedChoiceField(label=_("Merchant service"), choices=STAR_CHOICES,
                                           coerce=int, widget=forms.RadioSelect, initial=5)
    logistics_stars = forms.TypedChoiceField(label=_("Logistics"), choices=STAR_CHOICES,
                                             coerce=int, widget=forms.RadioSelect, initial=5)
    text = forms.CharField(label=_("Your review"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={
                               "rows": 4, "placeholder": _("How was it? Taste, quality, "
                                                           "packaging...")}))
    anonymous = forms.BooleanField(label=_("Post anonymously"), required=False)


class TextForm(forms.Form):
    text = forms.CharField(label=_("Text"), max_length=500,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)
