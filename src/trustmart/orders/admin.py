from django.contrib import admin

from .models import Address, CartLine, ShippingRule


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("recipient_name", "user", "province", "city", "is_default")
    search_fields = ("recipient_name", "user__mobile")
    raw_id_fields = ("user",)


@admin.register(ShippingRule)
class ShippingRuleAdmin(admin.ModelAdmin):
    list_display = ("merchant", "flat_fee_fen", "free_over_fen", "remote_surcharge_fen")
    raw_id_fields = ("merchant",)


@admin.register(CartLine)
class CartLineAdmin(admin.ModelAdmin):
    list_display = ("user", "sku", "store", "quantity", "selected", "added_at")
    raw_id_fields = ("user", "sku", "store")
