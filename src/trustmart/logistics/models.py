"""Shipments (packages) of an order and their tracking events.

An order may leave in several packages; each is a ``Shipment`` with its own carrier and
tracking number. Events come from the carrier aggregator's webhook (deduplicated by the
aggregator's event id) or are typed in by the merchant.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .carriers import CARRIER_CHOICES


class Shipment(models.Model):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT,
                              related_name="shipments")
    carrier = models.CharField(_("carrier"), max_length=10, choices=CARRIER_CHOICES)
    tracking_no = models.CharField(_("tracking number"), max_length=30)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "tracking_no"],
                                    name="uniq_shipment_tracking_no"),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_no}"


class TrackingEvent(models.Model):
    class Status(models.TextChoices):
        COLLECTED = "collected", _("Collected")
        IN_TRANSIT = "in_transit", _("In transit")
        DELIVERING = "delivering", _("Out for delivery")
        DELIVERED = "delivered", _("Delivered")
        EXCEPTION = "exception", _("Exception")

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Carrier")
        MERCHANT = "merchant", _("Merchant")

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    location = models.CharField(_("location"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    # The aggregator's event id: a redelivered webhook adds nothing.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["shipment", "-occurred_at"], name="tracking_event_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(source="merchant") | Q(external_id__isnull=False),
                                   name="tracking_event_webhook_has_id"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status}"
