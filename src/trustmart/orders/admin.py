"""Addresses, shipping rules and carts belong to their owners' services: shown, never edited."""

from django.contrib import admin

from trustmart.core.admin import ReadOnlyAdmin

from .models import Address, CartLine, ShippingRule


@admin.register(Address)
class AddressAdmin(ReadOnlyAdmin):
    list_display = ("recipient_name", "user", "province", "city", "is_default")
    search_fields = ("recipient_name", "user__mobile")


@admin.register(ShippingRule)
class ShippingRuleAdmin(ReadOnlyAdmin):
    list_display = ("merchant", "flat_fee_fen", "free_over_fen", "remote_surcharge_fen")


@admin.register(CartLine)
class CartLineAdmin(ReadOnlyAdmin):
    list_display = ("user", "sku", "store", "quantity", "selected", "added_at")
