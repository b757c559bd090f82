"""WeChat's own APIs (not WeChat Pay): who the payer is, and the JS-SDK's signature.

* **Web authorisation** (网页授权, ``snsapi_base``: silent, no consent page) gives the openid a
  user has under our official account, which a JSAPI order must name. The ``state`` parameter
  is signed and bound to the user's session (a nonce kept there), so a forged or replayed
  callback cannot attach someone else's openid to an account (CSRF).
* **jscode2session** gives the openid under the mini-program's app id from ``wx.login``'s code.
* **JS-SDK**: the basic access token (``/cgi-bin/token``) and the ``jsapi_ticket``
  (``/cgi-bin/ticket/getticket``) are kept in the cache with their expiry, refreshed five
  minutes before it, one refresh at a time across processes (a cache lock), and a page's
  signature is SHA1 over ``jsapi_ticket=…&noncestr=…&timestamp=…&url=…`` (the URL without its
  fragment).

Every call goes through the providers' HTTPS transport (``PAYMENT_CA_BUNDLE`` applies).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import Conflict

from .providers import ProviderError
from .providers.http import Transport, urllib_transport

OAUTH_SALT = "trustmart.payments.wechat_oauth"
OAUTH_STATE_MAX_AGE = 600
OAUTH_SESSION_KEY = "wechat_oauth_pending"
# Refresh a cached token this long before WeChat says it expires.
REFRESH_MARGIN_SECONDS = 300
LOCK_SECONDS = 15
WAIT_STEPS, WAIT_SECONDS = 50, 0.1

transport: Transport = urllib_transport


class WechatNotConfigured(Conflict):
    code = "wechat_not_configured"
    default_message = _("WeChat sign-in is not set up on this site.")


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def oa_configured() -> bool:
    return bool(_setting("WECHAT_OA_APPID") and _setting("WECHAT_OA_SECRET"))


def miniprogram_configured() -> bool:
    return bool(_setting("WECHAT_MINIPROGRAM_APPID") and _setting("WECHAT_MINIPROGRAM_SECRET"))


def api_get(path: str, params: dict[str, str]) -> dict[str, Any]:
    """GET one of WeChat's JSON APIs; an ``errcode`` other than 0, a network failure or an
    unreadable answer is a ProviderError."""
    url = f"{_setting('WECHAT_API_BASE').rstrip('/')}{path}?{urlencode(params)}"
    try:
        status, _headers, body = transport("GET", url, {"Accept": "application/json",
                                                        "User-Agent": "trustmart"}, b"")
    except OSError as exc:
        raise ProviderError(detail=f"network: {exc}"[:120]) from exc
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProviderError(detail=f"HTTP {status}: not JSON") from exc
    if status != 200 or not isinstance(data, dict) or data.get("errcode", 0) not in (0, None):
        errcode = data.get("errcode") if isinstance(data, dict) else None
        raise ProviderError(detail=f"HTTP {status} errcode {errcode}", http_status=status,
                            provider_code=str(errcode or ""))
    return data


# --- web authorisation (snsapi_base) -----------------------------------------------------------
def oauth_start(*, session: Any, user_id: int, next_url: str, redirect_uri: str) -> str:
    """The URL that sends the payer through WeChat's silent authorisation and back to
    ``redirect_uri`` with a code; ``next_url`` (a path of ours) is kept in the session."""
    if not oa_configured():
        raise WechatNotConfigured()
    nonce = secrets.token_urlsafe(12)
    pending = dict(session.get(OAUTH_SESSION_KEY) or {})
    pending = dict(list(pending.items())[-4:])  # a few tabs at once, never an unbounded list
    pending[nonce] = next_url
    session[OAUTH_SESSION_KEY] = pending
    state = signing.TimestampSigner(salt=OAUTH_SALT).sign(f"{user_id}.{nonce}")
    query = urlencode({"appid": _setting("WECHAT_OA_APPID"), "redirect_uri": redirect_uri,
                       "response_type": "code", "scope": "snsapi_base", "state": state},
                      quote_via=quote)
    return (f"{_setting('WECHAT_OPEN_BASE').rstrip('/')}/connect/oauth2/authorize?{query}"
            "#wechat_redirect")


class BadOauthState(Conflict):
    code = "wechat_oauth_state_invalid"
    default_message = _("This WeChat sign-in link is not valid any more. Please try again.")


def oauth_finish(*, session: Any, user_id: int, state: str, code: str) -> tuple[str, str]:
    """Check ``state`` (signed, fresh, this user's, a nonce of this session: used once) and
    exchange ``code`` for the openid. Returns (openid, next_url)."""
    try:
        value = signing.TimestampSigner(salt=OAUTH_SALT).unsign(state,
                                                                max_age=OAUTH_STATE_MAX_AGE)
    except signing.BadSignature as exc:
        raise BadOauthState() from exc
    owner, _sep, nonce = value.partition(".")
    pending = dict(session.get(OAUTH_SESSION_KEY) or {})
    if owner != str(user_id) or nonce not in pending or not code:
        raise BadOauthState()
    next_url = pending.pop(nonce)
    session[OAUTH_SESSION_KEY] = pending
    data = api_get("/sns/oauth2/access_token", {
        "appid": _setting("WECHAT_OA_APPID"), "secret": _setting("WECHAT_OA_SECRET"),
        "code": code, "grant_type": "authorization_code"})
    openid = str(data.get("openid") or "")
    if not openid or len(openid) > 64:
        raise ProviderError(detail="no openid in the answer")
    return openid, next_url


def miniprogram_openid(*, code: str) -> str:
    """``wx.login``'s code → the openid under the mini-program's app id (jscode2session)."""
    if not miniprogram_configured():
        raise WechatNotConfigured()
    data = api_get("/sns/jscode2session", {
        "appid": _setting("WECHAT_MINIPROGRAM_APPID"),
        "secret": _setting("WECHAT_MINIPROGRAM_SECRET"), "js_code": code,
        "grant_type": "authorization_code"})
    openid = str(data.get("openid") or "")
    if not openid or len(openid) > 64:
        raise ProviderError(detail="no openid in the answer")
    return openid


# --- the JS-SDK ------------------------------------------------------------------------------
def _cached(key: str, fetch: Callable[[], tuple[str, int]]) -> str:
    """A value WeChat gives out with an expiry, kept in the cache until five minutes before
    it; one process refreshes at a time (``cache.add`` is the lock), the others keep using
    the old value while it is still valid, or wait for the new one."""
    entry = cache.get(key)
    now = time.time()
    if entry and entry["expires_at"] - now > REFRESH_MARGIN_SECONDS:
        return str(entry["value"])
    lock = f"{key}:refreshing"
    if cache.add(lock, "1", timeout=LOCK_SECONDS):
        try:
            value, expires_in = fetch()
            cache.set(key, {"value": value, "expires_at": time.time() + expires_in},
                      timeout=max(int(expires_in), 1))
            return value
        finally:
            cache.delete(lock)
    if entry and entry["expires_at"] > now:
        return str(entry["value"])
    for _step in range(WAIT_STEPS):
        time.sleep(WAIT_SECONDS)
        entry = cache.get(key)
        if entry and entry["expires_at"] > time.time():
            return str(entry["value"])
    raise ProviderError(detail=f"{key} could not be refreshed")


def access_token() -> str:
    appid = _setting("WECHAT_OA_APPID")

    def fetch() -> tuple[str, int]:
        data = api_get("/cgi-bin/token", {"grant_type": "client_credential", "appid": appid,
                                          "secret": _setting("WECHAT_OA_SECRET")})
        return str(data["access_token"]), int(data.get("expires_in") or 7200)

    return _cached(f"wechat:access_token:{appid}", fetch)


def jsapi_ticket() -> str:
    appid = _setting("WECHAT_OA_APPID")

    def fetch() -> tuple[str, int]:
        data = api_get("/cgi-bin/ticket/getticket", {"access_token": access_token(),
                                                     "type": "jsapi"})
        return str(data["ticket"]), int(data.get("expires_in") or 7200)

    return _cached(f"wechat:jsapi_ticket:{appid}", fetch)


def jssdk_signature(*, ticket: str, nonce: str, timestamp: str, url: str) -> str:
    """SHA1 over ``jsapi_ticket=…&noncestr=…&timestamp=…&url=…`` (the page URL, no fragment)."""
    text = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}"
    return hashlib.sha1(text.encode()).hexdigest()  # noqa: S324 (WeChat's algorithm)


def jssdk_config(*, url: str) -> dict[str, str]:
    """What ``wx.config`` needs for the page at ``url``."""
    if not oa_configured():
        raise WechatNotConfigured()
    url = url.split("#", 1)[0]
    nonce, timestamp = secrets.token_hex(8), str(int(time.time()))
    return {"appId": _setting("WECHAT_OA_APPID"), "timestamp": timestamp, "nonceStr": nonce,
            "signature": jssdk_signature(ticket=jsapi_ticket(), nonce=nonce,
                                         timestamp=timestamp, url=url)}
