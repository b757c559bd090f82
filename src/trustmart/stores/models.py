"""Microstores (微店): any user's own store of products picked from the supply catalog.

A store holds no stock and sets no price: price and stock stay the merchant's. Opening one costs
nothing and needs no approval.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Store(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="store")
    name = models.CharField(_("store name"), max_length=30)
    avatar = models.ImageField(_("store avatar"), upload_to="store-avatars/", blank=True)
    introduction = models.CharField(_("introduction"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("microstore")
        verbose_name_plural = _("microstores")

    def __str__(self) -> str:
        return self.name


class StoreItem(models.Model):
    """一键代销: a supply product picked into a store, in the owner's order, maybe featured."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE,
                                related_name="store_items")
    position = models.PositiveIntegerField(default=0)
    featured = models.BooleanField(_("featured"), default=False)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("store item")
        verbose_name_plural = _("store items")
        ordering = ["-featured", "position", "-added_at"]
        constraints = [models.UniqueConstraint(fields=["store", "product"],
                                               name="uniq_store_product")]
        indexes = [models.Index(fields=["store", "-featured", "position"],
                                name="store_item_order_idx")]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.product_id}"
