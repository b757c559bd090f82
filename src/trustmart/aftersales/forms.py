"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmart.core.forms import YuanField

from .models import Kind, Reason


class OpenCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you need?"), choices=Kind.choices,
                             widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    amount = YuanField(label=_("Refund amount (yuan)"), required=False,
                       help_text=_("Leave empty to ask for everything paid for this item."))
    text = forms.CharField(label=_("Describe the problem"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, label) for value, label in Kind.choices if value in kinds]
