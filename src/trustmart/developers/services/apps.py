"""Apps, their client secrets, access tokens (OAuth 2.0 client credentials, RFC 6749 §4.4), and
the audit trail of their calls.

A secret and a token are random strings of which only the SHA-256 is stored (they carry 256
bits of entropy, so a slow hash adds nothing). A rotated secret keeps working until the overlap
ends, so the app can be redeployed with the new one without downtime.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.models import User
from trustmart.accounts.selectors import require_operator
from trustmart.core.errors import NotAuthenticated, invalid
from trustmart.merchants.models import MerchantStaff
from trustmart.merchants.selectors import merchant_for_owner

from ..models import AccessToken, ApiCall, AppSecret, DeveloperApp, WebhookEndpoint
from ..scopes import SCOPES
from ..selectors import app_for_manager

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

CLIENT_ID_PREFIX = "tmapp_"
SECRET_PREFIX = "tmcs_"  # noqa: S105  (a prefix, not a secret)
TOKEN_PREFIX = "tmat_"  # noqa: S105  (a prefix, not a secret)
MAX_OVERLAP_HOURS = 24 * 7


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _clean_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise invalid("scopes", _("Unknown scope: %(scope)s.") % {"scope": unknown[0]},
                      code="invalid_scope")
    return sorted(set(scopes))


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("Give the app a name of 1 to 50 characters."))
    return name


def _own_user(name: str) -> User:
    """The app's own user: no password, and a number that no person's mobile can be (people's
    start with 1), so nobody can log in as it. Numbered 00000000001, 00000000002, ... (a
    concurrent registration that took the number makes us try the next)."""
    taken = User.objects.filter(mobile__startswith="0").count()
    for attempt in range(1, 11):
        try:
            with transaction.atomic():
                return User.objects.create_user(mobile=f"0{taken + attempt:010d}",
                                                password=None, nickname=name[:20])
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a user for the app")


def _secret_new(app: DeveloperApp) -> str:
    raw = SECRET_PREFIX + secrets.token_urlsafe(32)
    AppSecret.objects.create(app=app, prefix=raw[: len(SECRET_PREFIX) + 4],
                             secret_hash=_digest(raw))
    return raw


@transaction.atomic
def app_register(*, user: User | AnonymousUser, merchant_id: int | None, name: str,
                 scopes: list[str], description: str = "") -> tuple[DeveloperApp, str]:
    """Register an app for a merchant (its owner) or for the platform (operators).

    Returns the app and its client secret, which is shown this once and never again."""
    name, scopes = _clean_name(name), _clean_scopes(scopes)
    if merchant_id is None:
        actor = require_operator(user)
        merchant = None
    else:
        merchant = merchant_for_owner(user=user, merchant_id=merchant_id)
        actor = user  # type: ignore[assignment]
    if merchant is not None and DeveloperApp.objects.filter(
            merchant=merchant, status=DeveloperApp.Status.ACTIVE).count() >= 20:
        raise invalid("name", _("A merchant may have 20 active apps."), code="too_many_apps")
    own = _own_user(name)
    app = DeveloperApp.objects.create(
        merchant=merchant, name=name, description=(description or "").strip()[:200],
        client_id=CLIENT_ID_PREFIX + secrets.token_hex(10), scopes=scopes, user=own,
        rate_limit_per_minute=settings.DEVELOPERS_APP_RATE_LIMIT_PER_MINUTE, created_by=actor)
    if merchant is not None:
        MerchantStaff.objects.create(merchant=merchant, user=own, role=MerchantStaff.Role.APP,
                                     added_by=actor)
    return app, _secret_new(app)


def _tokens_forget(app: DeveloperApp) -> None:
    hashes = list(AccessToken.objects.filter(app=app).values_list("token_hash", flat=True))
    cache.delete_many([_token_cache_key(h) for h in hashes])


@transaction.atomic
def app_update(*, user: User | AnonymousUser, app_id: int, name: str | None = None,
               description: str | None = None, scopes: list[str] | None = None,
               rate_limit_per_minute: int | None = None) -> DeveloperApp:
    """Change an app. Changed scopes end its tokens: new ones carry the new scopes."""
    app = app_for_manager(user=user, app_id=app_id)
    if name is not None:
        app.name = _clean_name(name)
    if description is not None:
        app.description = description.strip()[:200]
    if rate_limit_per_minute is not None:
        if not 1 <= rate_limit_per_minute <= 100_000:
            raise invalid("rate_limit_per_minute",
                          _("The rate limit is between 1 and 100000 calls a minute."))
        app.rate_limit_per_minute = rate_limit_per_minute
    if scopes is not None and _clean_scopes(scopes) != app.scopes:
        app.scopes = _clean_scopes(scopes)
        _tokens_forget(app)
        AccessToken.objects.filter(app=app).delete()
    app.save()
    return app


@transaction.atomic
def app_secret_rotate(*, user: User | AnonymousUser, app_id: int,
                      overlap_hours: int = 24) -> tuple[DeveloperApp, str]:
    """A new client secret; the current ones keep working for ``overlap_hours`` (0: none)."""
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise invalid("overlap_hours", _("The overlap is between 0 and 168 hours."))
    app = app_for_manager(user=user, app_id=app_id)
    if app.status != DeveloperApp.Status.ACTIVE:
        raise invalid("app", _("This app has been revoked."), code="app_revoked")
    until = timezone.now() + timedelta(hours=overlap_hours)
    AppSecret.objects.filter(app=app).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=until)).update(expires_at=until)
    return app, _secret_new(app)


@transaction.atomic
def app_revoke(*, user: User | AnonymousUser, app_id: int) -> DeveloperApp:
    """The app stops working at once: tokens and secrets gone, its endpoints disabled."""
    app = app_for_manager(user=user, app_id=app_id)
    if app.status == DeveloperApp.Status.REVOKED:
        return app
    now = timezone.now()
    _tokens_forget(app)
    AccessToken.objects.filter(app=app).delete()
    AppSecret.objects.filter(app=app).delete()
    MerchantStaff.objects.filter(user_id=app.user_id).delete()
    User.objects.filter(pk=app.user_id).update(is_active=False)
    WebhookEndpoint.objects.filter(app=app).update(status=WebhookEndpoint.Status.DISABLED,
                                                   disabled_at=now)
    app.status, app.revoked_at = DeveloperApp.Status.REVOKED, now
    app.save(update_fields=["status", "revoked_at"])
    return app


# --- the client-credentials grant -------------------------------------------------------------
class OAuthError(Exception):
    """An error of the token endpoint, in RFC 6749 §5.2 terms."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    scopes: list[str]


def _client(client_id: str, client_secret: str) -> DeveloperApp:
    app = (DeveloperApp.objects.filter(client_id=client_id, status=DeveloperApp.Status.ACTIVE)
           .first() if client_id else None)
    digest = _digest(client_secret or "")
    now = timezone.now()
    valid = app is not None and any(
        hmac.compare_digest(digest, s.secret_hash) for s in app.secrets.filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)))
    if app is None or not valid:
        raise OAuthError("invalid_client", str(_("Client authentication failed.")), status=401)
    return app


def token_issue(*, client_id: str, client_secret: str, scope: str | None = None) -> TokenGrant:
    """Exchange the client's credentials for a short-lived access token.

    ``scope`` (space-delimited) narrows the token to some of the app's scopes; without it the
    token has all of them. Asking for a scope the app does not hold is ``invalid_scope``."""
    app = _client(client_id, client_secret)
    wanted = sorted(set(scope.split())) if scope and scope.strip() else list(app.scopes)
    missing = sorted(set(wanted) - set(app.scopes))
    if missing:
        raise OAuthError("invalid_scope", str(_("The app does not hold the scope %(scope)s.")
                                              % {"scope": missing[0]}))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    seconds = settings.DEVELOPERS_ACCESS_TOKEN_SECONDS
    AccessToken.objects.create(app=app, token_hash=_digest(raw), scopes=wanted,
                               expires_at=timezone.now() + timedelta(seconds=seconds))
    return TokenGrant(raw, seconds, wanted)


@dataclass(frozen=True)
class TokenInfo:
    """What a checked access token says (kept in the cache for a short while)."""

    app_id: int
    merchant_id: int | None
    user: User
    scopes: tuple[str, ...]
    expires_at: float
    rate_limit_per_minute: int


class AppTokenInvalid(NotAuthenticated):
    www_authenticate = 'Bearer error="invalid_token"'


def _token_cache_key(digest: str) -> str:
    return f"developers:token:{digest}"


def token_authenticate(raw: str) -> TokenInfo:
    """The app behind an access token; ``AppTokenInvalid`` (401) if unknown or expired."""
    digest = _digest(raw)
    info: TokenInfo | None = cache.get(_token_cache_key(digest))
    now = timezone.now()
    if info is None:
        token = (AccessToken.objects.select_related("app", "app__user")
                 .filter(token_hash=digest, app__status=DeveloperApp.Status.ACTIVE).first())
        if token is None:
            raise AppTokenInvalid(_("The access token is not valid."), code="token_invalid")
        info = TokenInfo(token.app_id, token.app.merchant_id, token.app.user,
                         tuple(token.scopes), token.expires_at.timestamp(),
                         token.app.rate_limit_per_minute)
        remaining = int(info.expires_at - now.timestamp())
        if remaining > 0 and settings.API_TOKEN_CACHE_SECONDS:
            cache.set(_token_cache_key(digest), info,
                      min(remaining, settings.API_TOKEN_CACHE_SECONDS))
    if info.expires_at <= now.timestamp():
        error = AppTokenInvalid(_("The access token has expired."), code="token_expired")
        error.app_id, error.merchant_id = info.app_id, info.merchant_id  # type: ignore[attr-defined]
        raise error
    return info


def tokens_purge_expired() -> int:
    deleted, _rows = AccessToken.objects.filter(
        expires_at__lt=timezone.now() - timedelta(days=1)).delete()
    return deleted


# --- the audit trail -------------------------------------------------------------------------
def api_call_record(*, app_id: int, merchant_id: int | None, method: str, path: str,
                    scope: str, status_code: int, latency_ms: int) -> ApiCall:
    return ApiCall.objects.create(app_id=app_id, merchant_id=merchant_id, method=method[:8],
                                  path=path[:300], scope=scope[:40], status_code=status_code,
                                  latency_ms=max(latency_ms, 0))


def api_calls_purge() -> int:
    """Calls older than DEVELOPERS_API_CALL_RETENTION_DAYS go."""
    cutoff = timezone.now() - timedelta(days=settings.DEVELOPERS_API_CALL_RETENTION_DAYS)
    deleted, _rows = ApiCall.objects.filter(created_at__lt=cutoff).delete()
    return deleted
