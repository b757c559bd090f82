"""Shipments are written by the merchant's ship service and the signed carrier webhook only."""

from django.contrib import admin

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Shipment, TrackingEvent


class TrackingEventInline(ReadOnlyTabularInline):
    model = TrackingEvent
    fields = ("occurred_at", "status", "location", "description", "source", "external_id",
              "created_by", "created_at")


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = ("order", "carrier", "tracking_no", "created_at")
    list_filter = ("carrier",)
    search_fields = ("tracking_no", "order__order_no")
    inlines = [TrackingEventInline]
