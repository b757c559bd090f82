"""Template helpers of the payment pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def wechat_transfer_confirm(payout: Any) -> str:
    """Inside WeChat, a WeChat transfer waiting for its receiver (WAIT_USER_CONFIRM) gets a
    "confirm receipt" button: ``payments/confirm-transfer.js`` hands its package to
    ``WeixinJSBridge.invoke("requestMerchantTransfer", …)``, as WeChat requires."""
    if not (payout.status == "processing" and payout.package_info
            and payout.provider == "wechatpay"):
        return ""
    return format_html(
        '<button class="btn btn-primary" type="button" data-wechat-transfer '
        'data-mch-id="{}" data-app-id="{}" data-package="{}" data-done="{}" '
        'data-testid="confirm-transfer">{}</button>',
        str(getattr(settings, "WECHATPAY_MCHID", "")), payout.account.appid,
        payout.package_info, pgettext("payout", "Received"),
        pgettext("payout", "Confirm receipt"))
