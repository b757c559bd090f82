"""The buyer's WeChat openid per app (official account, mini-program): JSAPI orders and
transfers to 零钱 name the payer by it, and it is only ever learned from WeChat itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WechatOpenid(models.Model):
    """``openid`` of ``user`` under WeChat app ``appid``, learned through web authorisation
    (snsapi_base) or the mini-program's jscode2session. One per (user, appid)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="wechat_openids")
    appid = models.CharField(max_length=32)
    openid = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("WeChat openid")
        verbose_name_plural = _("WeChat openids")
        constraints = [models.UniqueConstraint(fields=["user", "appid"],
                                               name="wechat_openid_once_per_app")]
        indexes = [models.Index(fields=["appid", "openid"], name="wechat_openid_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.appid}"
