"""The buyer side before checkout: the address book, merchants' shipping rules and the cart.

Money is integer fen. A cart line remembers the store (and later the share) it came from so the
commission can be attributed at checkout.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Address(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="addresses")
    recipient_name = models.CharField(_("recipient"), max_length=30)
    mobile = models.CharField(_("mobile number"), max_length=11)
    province = models.CharField(_("province"), max_length=20)
    city = models.CharField(_("city"), max_length=30)
    district = models.CharField(_("district"), max_length=30)
    detail = models.CharField(_("street address"), max_length=120)
    is_default = models.BooleanField(_("default address"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["-is_default", "-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user"], condition=Q(is_default=True),
                                               name="uniq_default_address_per_user")]

    def __str__(self) -> str:
        return f"{self.recipient_name} {self.province}{self.city}{self.district}"


class ShippingRule(models.Model):
    """A merchant's one shipping rule: a flat fee, maybe free over an amount, remote surcharge."""

    merchant = models.OneToOneField("merchants.Merchant", on_delete=models.CASCADE,
                                    related_name="shipping_rule")
    flat_fee_fen = models.BigIntegerField(_("shipping fee (fen)"), default=0)
    free_over_fen = models.BigIntegerField(_("free shipping from (fen)"), null=True, blank=True)
    remote_provinces = models.JSONField(_("remote regions"), default=list, blank=True)
    remote_surcharge_fen = models.BigIntegerField(_("remote surcharge (fen)"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shipping rule")
        verbose_name_plural = _("shipping rules")
        constraints = [
            models.CheckConstraint(condition=Q(flat_fee_fen__gte=0),
                                   name="shipping_flat_fee_not_negative"),
            models.CheckConstraint(condition=Q(remote_surcharge_fen__gte=0),
                                   name="shipping_surcharge_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id}"


class CartLine(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="cart_lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="cart_lines")
    store = models.ForeignKey("stores.Store", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="cart_lines")
    share_code = models.CharField(max_length=32, blank=True, null=True)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    selected = models.BooleanField(default=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "sku", "store"],
                                    condition=Q(store__isnull=False),
                                    name="uniq_cart_line_store"),
            models.UniqueConstraint(fields=["user", "sku"], condition=Q(store__isnull=True),
                                    name="uniq_cart_line_direct"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.sku_id}x{self.quantity}"
