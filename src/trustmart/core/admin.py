"""The admin's one rule for data a service owns: operators look, the services write.

``ReadOnlyAdmin`` (and ``ReadOnlyTabularInline`` for rows shown inside another page) refuses add,
change and delete to everyone, superusers included, so nobody can edit money, credit, a case
or a state machine around the service that guards it. Anything an operator may do to such a
row is an admin action that calls the service (``retry`` below). ``SECRET_FIELDS`` names fields
the admin never shows, whatever the model admin declares.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import events
from .models import IdempotencyKey, OutboxEvent

# Stored secrets (hashes of tokens and codes, stored responses that may carry personal data):
# excluded from every admin page of the models that hold them.
SECRET_FIELDS = frozenset({"token_hash", "code_hash", "response_body"})


class ReadOnlyAdminMixin:
    """No add, change or delete for anyone; what is left is the view permission."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A model admin for a service-owned model."""

    def get_exclude(self, request: HttpRequest, obj: Model | None = None) -> Any:
        declared = tuple(super().get_exclude(request, obj) or ())
        secret = tuple(f.name for f in self.model._meta.fields if f.name in SECRET_FIELDS)
        return (*declared, *(name for name in secret if name not in declared)) or None

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return [f for f in super().get_fields(request, obj) if f not in SECRET_FIELDS]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return [f for f in super().get_readonly_fields(request, obj) if f not in SECRET_FIELDS]


class ReadOnlyTabularInline(ReadOnlyAdminMixin, admin.TabularInline):
    """Rows shown inside another page, never edited there."""

    extra = 0
    can_delete = False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("name", "status", "attempts", "created_at", "next_attempt_at", "delivered_at")
    list_filter = ("status", "name")
    search_fields = ("id", "name")
    actions = ["retry"]

    @admin.action(description=_("Retry delivery"))
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        ids = list(queryset.values_list("id", flat=True))
        reset = events.retry_failed(ids)
        delivered = sum(1 for event_id in ids if events.deliver(event_id))
        self.message_user(request, _("%(reset)d reset, %(delivered)d delivered.")
                          % {"reset": reset, "delivered": delivered}, messages.INFO)


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("scope", "actor", "key", "status", "response_status", "created_at")
    list_filter = ("status",)
    search_fields = ("key", "actor", "scope")
