from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import events
from .models import IdempotencyKey, OutboxEvent


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "attempts", "created_at", "next_attempt_at", "delivered_at")
    list_filter = ("status", "name")
    search_fields = ("id", "name")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    actions = ["retry"]

    @admin.action(description=_("Retry delivery"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        reset = events.retry_failed(ids)
        delivered = sum(1 for event_id in ids if events.deliver(event_id))
        self.message_user(request, _("%(reset)d reset, %(delivered)d delivered.")
                          % {"reset": reset, "delivered": delivered}, messages.INFO)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("scope", "actor", "key", "status", "response_status", "created_at")
    list_filter = ("status",)
    search_fields = ("key", "actor", "scope")
    readonly_fields = [f.name for f in IdempotencyKey._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
