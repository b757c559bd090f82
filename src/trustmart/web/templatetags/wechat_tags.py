"""The WeChat share hook of every page: when the site has an official account, a small static
script that, only inside WeChat (decided in the browser, so cached pages stay the same for
everyone), loads WeChat's JS-SDK and sets the share card from the page's Open Graph tags."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

register = template.Library()

# WeChat's JS-SDK; the share script adds it to the page only inside WeChat.
JSSDK_URL = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js"


@register.simple_tag
def wechat_share_script() -> str:
    if not (getattr(settings, "WECHAT_OA_APPID", "") and getattr(settings, "WECHAT_OA_SECRET",
                                                                  "")):
        return ""
    return format_html('<script src="{}" data-config-url="{}" data-sdk="{}" defer></script>',
                       static("web/wechat-share.js"), reverse("web:wechat_jssdk"), JSSDK_URL)
