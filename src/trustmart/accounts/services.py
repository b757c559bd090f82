"""Every write to accounts: sign-up, log-in, profile, roles, follows, API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from trustmart.core import ratelimit
from trustmart.core.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    RateLimited,
    invalid,
)
from trustmart.core.images import square_jpeg
from trustmart.core.services import model_update

from .models import ApiToken, Follow, Role, RoleGrant, User, VerificationCode
from .sms import get_sender
from .validators import normalize_mobile

CODE_MAX_ATTEMPTS = 5
TOKEN_PREFIX = "tm_"  # noqa: S105  (a public marker, not a secret)


# --- verification codes ---------------------------------------------------------------------
def _code_hash(mobile: str, purpose: str, code: str) -> str:
    message = f"{mobile}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


# Codes that prove an existing account's number: log in without the password, reset it.
MEMBER_PURPOSES = frozenset({VerificationCode.Purpose.LOG_IN,
                             VerificationCode.Purpose.PASSWORD_RESET})


def verification_code_send(*, mobile: str, purpose: str, ip: str) -> str:
    """Send a 6-digit code to ``mobile``. Returns the code (shown on screen only in demo mode).

    Every purpose shares the limits per number and per address, so asking for log-in codes
    cannot be used to send more messages than sign-up allows. A log-in or reset code for a
    number nobody registered is answered like any other and sent to nobody (returns ""): the
    answer does not tell who has an account.
    """
    mobile = normalize_mobile(mobile)
    if purpose not in VerificationCode.Purpose.values:
        raise invalid("purpose", _("Unknown verification purpose."))
    if purpose == VerificationCode.Purpose.SIGN_UP and User.objects.filter(mobile=mobile).exists():
        raise Conflict(_("This mobile number is already registered. Log in instead."),
                       code="mobile_taken")
    wait = _("A code was sent recently. Please wait before asking for another.")
    ratelimit.hit(f"code:mobile:{mobile}", limit=1, window_seconds=60, message=wait,
                  code="code_too_frequent")
    ratelimit.hit(f"code:mobile-hour:{mobile}", limit=10, window_seconds=3600, message=wait,
                  code="code_too_frequent")
    ratelimit.hit(f"code:ip:{ip}", limit=30, window_seconds=3600)
    if purpose in MEMBER_PURPOSES and not User.objects.filter(mobile=mobile,
                                                              is_active=True).exists():
        return ""
    code = f"{secrets.randbelow(1_000_000):06d}"
    VerificationCode.objects.create(
        mobile=mobile,
        purpose=purpose,
        code_hash=_code_hash(mobile, purpose, code),
        expires_at=timezone.now() + timedelta(seconds=settings.VERIFICATION_CODE_TTL_SECONDS),
    )
    get_sender().send(mobile=mobile, code=code, purpose=purpose)
    return code


def _verification_code_verify(*, mobile: str, purpose: str, code: str) -> int:
    """Check ``code`` against the newest live code and return its id.

    Runs in its own transaction so that a wrong guess is counted even though the caller's
    transaction rolls back with the error: five wrong guesses burn the code.
    """
    with transaction.atomic():
        record = (
            VerificationCode.objects.select_for_update()
            .filter(mobile=mobile, purpose=purpose, consumed_at__isnull=True,
                    expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if record is None or record.attempts >= CODE_MAX_ATTEMPTS:
            raise invalid("code", _("The verification code has expired. Request a new one."),
                          code="code_expired")
        matches = hmac.compare_digest(record.code_hash,
                                      _code_hash(mobile, purpose, code.strip()))
        if not matches:
            VerificationCode.objects.filter(pk=record.pk).update(attempts=record.attempts + 1)
    if not matches:
        raise invalid("code", _("The verification code is incorrect."), code="code_incorrect")
    return record.pk


def _verification_code_consume(*, code_id: int) -> None:
    """Use a verified code once: of two racing sign-ups with one code, only one wins."""
    used = VerificationCode.objects.filter(pk=code_id, consumed_at__isnull=True).update(
        consumed_at=timezone.now())
    if not used:
        raise invalid("code", _("The verification code has expired. Request a new one."),
                      code="code_expired")


# --- sign-up and log-in ---------------------------------------------------------------------
def _clean_nickname(nickname: str) -> str:
    nickname = (nickname or "").strip()
    if not 1 <= len(nickname) <= 20:
        raise invalid("nickname", _("A nickname has 1 to 20 characters."), code="invalid_nickname")
    return nickname


def _check_password(password: str, password_confirm: str, user: User) -> None:
    if password != password_confirm:
        raise invalid("password_confirm", _("The two passwords do not match."),
                      code="password_mismatch")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(_("Choose a stronger password."), code="weak_password",
                           fields={"password": [str(m) for m in exc.messages]}) from exc


def user_sign_up(*, mobile: str, code: str, password: str, password_confirm: str,
                 nickname: str) -> User:
    mobile = normalize_mobile(mobile)
    nickname = _clean_nickname(nickname)
    candidate = User(mobile=mobile, nickname=nickname)
    _check_password(password, password_confirm, candidate)
    if User.objects.filter(mobile=mobile).exists():
        raise Conflict(_("This mobile number is already registered. Log in instead."),
                       code="mobile_taken")
    code_id = _verification_code_verify(mobile=mobile, purpose=VerificationCode.Purpose.SIGN_UP,
                                        code=code)
    with transaction.atomic():
        _verification_code_consume(code_id=code_id)
        candidate.set_password(password)
        try:
            with transaction.atomic():
                candidate.save()
        except IntegrityError as exc:
            raise Conflict(_("This mobile number is already registered. Log in instead."),
                           code="mobile_taken") from exc
    return candidate


def user_authenticate(*, mobile: str, password: str, ip: str) -> User:
    """Check a password log-in, with per-number lockout and a per-address limit.

    After ``LOGIN_MAX_FAILURES`` wrong passwords a number is locked for ``LOGIN_LOCKOUT_SECONDS``
    whatever is typed next, so guessing costs the attacker the lockout time per few tries.
    """
    mobile = normalize_mobile(mobile)
    window = settings.LOGIN_LOCKOUT_SECONDS
    failures_key = _failures_key(mobile)
    locked = _("Too many wrong passwords: log-in with a password is paused for this number for "
               "a while. Log in with an SMS code instead, or reset your password.")
    ratelimit.hit(f"login:ip:{ip}", limit=60, window_seconds=300)
    if ratelimit.count(failures_key, window_seconds=window) >= settings.LOGIN_MAX_FAILURES:
        raise RateLimited(locked, code="login_locked", retry_after=window)
    user = authenticate(username=mobile, password=password)
    if user is None:
        try:
            ratelimit.hit(failures_key, limit=settings.LOGIN_MAX_FAILURES, window_seconds=window)
        except RateLimited as exc:
            raise RateLimited(locked, code="login_locked", retry_after=window) from exc
        raise NotAuthenticated(_("The mobile number or password is incorrect."),
                               code="invalid_credentials")
    ratelimit.reset(failures_key, window_seconds=window)
    assert isinstance(user, User)
    return user


def _failures_key(mobile: str) -> str:
    return f"login-fail:{mobile}"


def _member_for_code(*, mobile: str, purpose: str, code: str) -> tuple[User, int]:
    """The active user of ``mobile`` and the id of the live code they proved; the code's own
    limits apply (five guesses, ten minutes)."""
    code_id = _verification_code_verify(mobile=mobile, purpose=purpose, code=code)
    user = User.objects.filter(mobile=mobile, is_active=True).first()
    if user is None:  # no code is ever sent to such a number; be safe anyway
        raise invalid("code", _("The verification code has expired. Request a new one."),
                      code="code_expired")
    return user, code_id


def user_log_in_by_code(*, mobile: str, code: str, ip: str) -> User:
    """Log in with an SMS code sent to the number (purpose ``log_in``).

    Not held back by the password lockout: the lockout protects the password from guessing,
    and a stranger's wrong passwords must not lock the owner out of the account. The code
    cannot be guessed either (six digits, five tries, rate-limited sending); the password's
    failure count is left as it is, so this does not grant the guesser new tries.
    """
    mobile = normalize_mobile(mobile)
    ratelimit.hit(f"login:ip:{ip}", limit=60, window_seconds=300)
    user, code_id = _member_for_code(mobile=mobile, purpose=VerificationCode.Purpose.LOG_IN,
                                     code=code)
    _verification_code_consume(code_id=code_id)
    return user


def user_password_reset(*, mobile: str, code: str, password: str,
                        password_confirm: str) -> User:
    """Set a new password with an SMS code (purpose ``password_reset``).

    Ends the password lockout of the number, and every API token of the account is revoked
    (and, the password hash having changed, every other session ends): whoever knew the old
    password is out.
    """
    mobile = normalize_mobile(mobile)
    candidate = User.objects.filter(mobile=mobile, is_active=True).first() or User(mobile=mobile)
    _check_password(password, password_confirm, candidate)
    user, code_id = _member_for_code(
        mobile=mobile, purpose=VerificationCode.Purpose.PASSWORD_RESET, code=code)
    with transaction.atomic():
        _verification_code_consume(code_id=code_id)
        user.set_password(password)
        user.save(update_fields=["password"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now())
    api_tokens_forget(user_id=user.pk)
    ratelimit.reset(_failures_key(mobile), window_seconds=settings.LOGIN_LOCKOUT_SECONDS)
    return user


# --- profile ---------------------------------------------------------------------------------
def profile_update(*, user: User, nickname: str | None = None, bio: str | None = None) -> User:
    data: dict[str, str] = {}
    if nickname is not None:
        data["nickname"] = _clean_nickname(nickname)
    if bio is not None:
        bio = bio.strip()
        if len(bio) > 200:
            raise invalid("bio", _("The introduction has at most 200 characters."))
        data["bio"] = bio
    model_update(user, data=data, fields=["nickname", "bio"])
    return user


def avatar_set(*, user: User, upload: UploadedFile) -> User:
    """Accept a JPEG, PNG, WebP or GIF up to ``AVATAR_MAX_BYTES``; store a 256x256 JPEG."""
    jpeg = square_jpeg(upload, field="avatar")
    old = user.avatar.name if user.avatar else ""
    user.avatar.save("avatar.jpg", ContentFile(jpeg), save=False)
    user.save(update_fields=["avatar"])
    if old and old != user.avatar.name:
        user.avatar.storage.delete(old)
    return user


# --- roles -------------------------------------------------------------------------------------
def role_grant(*, user: User, role: str, granted_by: User | None = None) -> RoleGrant:
    if role not in Role.values or role == Role.BUYER:
        raise invalid("role", _("Unknown role."))
    grant, _created = RoleGrant.objects.get_or_create(
        user=user, role=role, defaults={"granted_by": granted_by}
    )
    if role == Role.OPERATOR and not user.is_staff:
        # Operators work in the Django admin as well as on the site.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return grant


def role_revoke(*, user: User, role: str) -> None:
    RoleGrant.objects.filter(user=user, role=role).delete()
    if role == Role.OPERATOR and user.is_staff and not user.is_superuser:
        user.is_staff = False
        user.save(update_fields=["is_staff"])


# --- follows -----------------------------------------------------------------------------------
def follow(*, follower: User, followee_id: int) -> Follow:
    if followee_id == follower.pk:
        raise invalid("user", _("You cannot follow yourself."), code="follow_self")
    followee = User.objects.filter(pk=followee_id, is_active=True).first()
    if followee is None:
        raise NotFound(_("This user does not exist."))
    relation, _created = Follow.objects.get_or_create(follower=follower, followee=followee)
    return relation


def unfollow(*, follower: User, followee_id: int) -> None:
    if not User.objects.filter(pk=followee_id, is_active=True).exists():
        raise NotFound(_("This user does not exist."))
    Follow.objects.filter(follower=follower, followee_id=followee_id).delete()


# --- API tokens --------------------------------------------------------------------------------
def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user: User, name: str, expires_in_days: int | None = None
                     ) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown this once and never again."""
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise invalid("name", _("Give the token a name of 1 to 50 characters."))
    days = settings.API_TOKEN_DEFAULT_DAYS if expires_in_days is None else expires_in_days
    if not 1 <= days <= 365:
        raise invalid("expires_in_days", _("A token lives between 1 and 365 days."))
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= 20:
        raise Conflict(_("You have 20 active tokens. Revoke one first."), code="too_many_tokens")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[: len(TOKEN_PREFIX) + 6], token_hash=_token_hash(raw),
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, raw


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    cache.delete(_token_cache_key(token.token_hash))
    return token


# A valid token is kept in the cache (Redis when configured) for API_TOKEN_CACHE_SECONDS, so an
# API request does not read it from the database each time, as sessions do (cached_db). Revoking
# the token, or any change to its user (deactivated, password, staff), drops it at once.
def _token_cache_key(token_hash: str) -> str:
    return f"accounts:token:{token_hash}"


def api_tokens_forget(*, user_id: int) -> None:
    """Drop the cached tokens of a user (after the user changed)."""
    if settings.API_TOKEN_CACHE_SECONDS:
        cache.delete_many([_token_cache_key(digest) for digest in ApiToken.objects.filter(
            user_id=user_id).values_list("token_hash", flat=True)])


def api_token_authenticate(raw: str) -> User:
    digest = _token_hash(raw)
    seconds = settings.API_TOKEN_CACHE_SECONDS
    token: ApiToken | None = cache.get(_token_cache_key(digest)) if seconds else None
    fresh = token is None
    if token is None:
        token = ApiToken.objects.select_related("user").filter(token_hash=digest).first()
        if token is None or not token.user.is_active:
            raise NotAuthenticated(_("The API token is not valid."), code="token_invalid")
        if token.revoked_at is not None:
            raise NotAuthenticated(_("The API token has been revoked."), code="token_revoked")
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        cache.delete(_token_cache_key(digest))
        raise NotAuthenticated(_("The API token has expired."), code="token_expired")
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        # Coarse last-use stamp: one write per token per five minutes, not per request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        fresh = True
    if fresh and seconds:
        cache.set(_token_cache_key(digest), token, seconds)
    return token.user
