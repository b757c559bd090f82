from django.contrib import admin

from .models import Shipment, TrackingEvent


class TrackingEventInline(admin.TabularInline):
    model = TrackingEvent
    extra = 0
    readonly_fields = ("occurred_at", "status", "location", "description", "source",
                       "external_id", "created_by", "created_at")


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("order", "carrier", "tracking_no", "created_at")
    list_filter = ("carrier",)
    search_fields = ("tracking_no", "order__order_no")
    raw_id_fields = ("order", "created_by")
    inlines = [TrackingEventInline]
