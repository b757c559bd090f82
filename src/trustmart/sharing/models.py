"""Shares (分享), their visits and customer bindings (锁客).

A share is one person's link to a product or a store on one channel. A share opened from
another share has that share as ``parent``, so shares form trees (信任裂变); ``root`` and
``depth`` are stored so a whole tree reads in one query. A binding ties a buyer to the sharer
they came through, for the time the platform's policy says.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WECHAT_MOMENTS = "wechat_moments", _("WeChat Moments")
    WECHAT_FRIEND = "wechat_friend", _("WeChat friends")
    WEIBO = "weibo", _("Weibo")
    QQ = "qq", _("QQ / QZone")
    DOUYIN = "douyin", _("Douyin")
    XIAOHONGSHU = "xiaohongshu", _("Xiaohongshu")
    LINK = "link", _("Plain link")


class Share(models.Model):
    class Target(models.TextChoices):
        PRODUCT = "product", _("Product")
        STORE = "store", _("Store")

    code = models.CharField(max_length=16, unique=True)
    sharer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="shares")
    target = models.CharField(max_length=10, choices=Target.choices)
    product = models.ForeignKey("catalog.Product", null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+")
    # The sharer's own store when they have one (only store owners earn commission).
    store = models.ForeignKey("stores.Store", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="shares")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.LINK)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children")
    root = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")  # null on a root share itself
    depth = models.PositiveSmallIntegerField(default=0)
    # The device the share was made on (anti-fraud: a buyer on the sharer's own device).
    device_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        indexes = [models.Index(fields=["sharer", "-created_at"], name="share_sharer_idx"),
                   models.Index(fields=["root"], name="share_root_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target="product", product__isnull=False)
                           | Q(target="store", store__isnull=False)),
                name="share_target_present"),
        ]

    def __str__(self) -> str:
        return self.code


class Visit(models.Model):
    """One arrival through a share link. ``counted`` is False for a repeat from the same
    device inside the burst window, so a burst counts once."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="visits")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    visitor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    device_id = models.CharField(max_length=64, blank=True)
    # "u<user id>" for a logged-in visitor, else "d<device id>": one person, for unique counts.
    visitor_key = models.CharField(max_length=80, blank=True)
    counted = models.BooleanField(default=True)
    # The visitor's first visit through any share: this share brought a new visitor.
    first_visit = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("share visit")
        verbose_name_plural = _("share visits")
        indexes = [models.Index(fields=["share", "created_at"], name="visit_share_idx"),
                   models.Index(fields=["device_id", "created_at"], name="visit_device_idx"),
                   models.Index(fields=["visitor", "created_at"], name="visit_visitor_idx")]

    def __str__(self) -> str:
        return f"{self.share_id}@{self.created_at:%Y-%m-%d %H:%M}"


class Binding(models.Model):
    """锁客: the buyer is bound to ``sharer`` until ``expires_at`` (null: permanent)."""

    buyer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="binding")
    sharer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="bound_customers")
    share = models.ForeignKey(Share, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    bound_at = models.DateTimeField()
    renewed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("customer binding")
        verbose_name_plural = _("customer bindings")
        constraints = [models.CheckConstraint(condition=~Q(buyer=models.F("sharer")),
                                              name="binding_not_self")]

    def __str__(self) -> str:
        return f"{self.buyer_id}->{self.sharer_id}"


class BindingMode(models.TextChoices):
    LATEST = "latest", _("Latest share wins, for a number of days")
    FIRST = "first", _("First binding is permanent")


class SharingPolicy(models.Model):
    """The platform's one row of sharing rules (pk 1), edited by operators."""

    binding_mode = models.CharField(_("binding mode"), max_length=10,
                                    choices=BindingMode.choices, default=BindingMode.LATEST)
    binding_days = models.PositiveSmallIntegerField(_("binding days"), default=15)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("sharing policy")
        verbose_name_plural = _("sharing policy")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="sharing_policy_single"),
                       models.CheckConstraint(condition=Q(binding_days__gte=1,
                                                          binding_days__lte=365),
                                              name="sharing_policy_days_range")]

    def __str__(self) -> str:
        return f"{self.binding_mode}/{self.binding_days}"


class ShareSale(models.Model):
    """One paid order line bought through a share: the tree's orders and sales figures.

    Written by the ``order.paid`` handler and reduced by ``order.refunded``; one row per line
    (unique), so a redelivered event changes nothing.
    """

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="sales")
    line_id = models.BigIntegerField(unique=True)
    order_no = models.CharField(max_length=32)
    paid_fen = models.BigIntegerField(default=0)
    refunded_fen = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sale through a share")
        verbose_name_plural = _("sales through shares")
        indexes = [models.Index(fields=["share"], name="share_sale_share_idx")]
        constraints = [models.CheckConstraint(condition=Q(refunded_fen__gte=0,
                                                          refunded_fen__lte=models.F("paid_fen")),
                                              name="share_sale_refund_bounded")]

    def __str__(self) -> str:
        return f"{self.share_id}:{self.line_id}"
