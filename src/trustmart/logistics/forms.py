"""Form shapes for the merchant's ship page; validation rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .carriers import CARRIER_CHOICES
from .models import TrackingEvent


class ShipmentForm(forms.Form):
    carrier = forms.ChoiceField(label=_("Carrier"), choices=CARRIER_CHOICES)
    tracking_no = forms.CharField(label=_("Tracking number"), max_length=40,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))


class EventForm(forms.Form):
    shipment_id = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Status"), choices=TrackingEvent.Status.choices)
    location = forms.CharField(label=_("Location"), max_length=100, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
