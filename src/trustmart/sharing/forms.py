"""The share sheet's form. It only carries what was posted: the rules (a valid channel, a
product for sale, an open store) are the service's, whose errors ``core.forms.form_error``
puts back on this form."""

from __future__ import annotations

from django import forms


class ShareForm(forms.Form):
    target = forms.CharField(required=False)
    id = forms.CharField(required=False)
    channel = forms.CharField(required=False)

    # The service names the object by kind; the sheet posts it as ``id``.
    ALIASES = {"product_id": "id", "store_id": "id"}
