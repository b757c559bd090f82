"""The scopes an app may hold: one per resource and action.

Endpoints name the scope they need with ``accounts.auth.app_or_user("orders:read")``; a test
checks that every scope named there is declared here and the developer page lists, for each
scope, the endpoints that accept it (read from the API itself).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SCOPES: dict[str, Promise] = {
    "orders:read": _("Read the merchant's orders and their shipments."),
    "orders:ship": _("Ship orders: add shipments and tracking events."),
    "products:read": _("Read the merchant's products and SKUs."),
    "products:write": _("Create and edit products, SKUs, batches, images and certificates."),
    "stock:write": _("Set or adjust the stock of SKUs."),
    "cases:read": _("Read after-sales cases, their messages and evidence."),
    "cases:reply": _("Write messages on after-sales cases."),
    "members:read": _("Read the merchant's members (CRM)."),
    "webhooks:manage": _("Manage the app's webhook endpoints, read and replay deliveries."),
}

# Which scope an app needs to receive the events about a resource on its own endpoints.
EVENT_RESOURCE_SCOPES: dict[str, str] = {
    "order": "orders:read",
    "case": "cases:read",
    "product": "products:read",
    "sku": "products:read",
}
