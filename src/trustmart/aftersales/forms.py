"""Forms parse what a page posts; the services decide whether it is acceptable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from trustmart.core.money import parse_yuan

from .models import Kind, Reason


class YuanField(forms.CharField):
    """An amount typed in yuan ("12.50"), cleaned to integer fen."""

    def to_python(self, value: object) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_yuan(text)
        except ValueError as exc:
            raise forms.ValidationError(_("Enter an amount like 12.50.")) from exc


class OpenCaseForm(forms.Form):
    kind = forms.ChoiceField(label=_("What do you need?"), choices=Kind.choices,
                             widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices)
    amount = YuanField(label=_("Refund amount (yuan)"), required=False,
                       widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                       help_text=_("Leave empty to ask for everything paid for this item."))
    text = forms.CharField(label=_("Describe the problem"), required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, label) for value, label in Kind.choices if value in kinds]
