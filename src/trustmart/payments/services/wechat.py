"""The payer's WeChat openids: learned from WeChat only (web authorisation, jscode2session)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction

from .. import wechat_oa
from ..models import WechatOpenid

if TYPE_CHECKING:
    from trustmart.accounts.models import User


def wechat_openid_store(*, user: User, appid: str, openid: str) -> WechatOpenid:
    """Keep ``openid`` as ``user``'s under ``appid`` (one per user and app; a new one replaces
    the old: WeChat only ever tells us the truth for the signed-in user)."""
    with transaction.atomic():
        row, _created = WechatOpenid.objects.update_or_create(
            user=user, appid=appid, defaults={"openid": openid})
    return row


def wechat_oauth_complete(*, user: User, session: Any, state: str, code: str) -> str:
    """WeChat sent the payer back: check the state, learn the openid, keep it. Returns the
    path to go back to. The network call runs outside any transaction."""
    openid, next_url = wechat_oa.oauth_finish(session=session, user_id=user.pk, state=state,
                                              code=code)
    wechat_openid_store(user=user, appid=settings.WECHAT_OA_APPID, openid=openid)
    return next_url


def wechat_miniprogram_session(*, user: User, code: str) -> WechatOpenid:
    """The mini-program logged in (``wx.login``): its code → the openid under its app id."""
    openid = wechat_oa.miniprogram_openid(code=code)
    return wechat_openid_store(user=user, appid=settings.WECHAT_MINIPROGRAM_APPID,
                               openid=openid)
