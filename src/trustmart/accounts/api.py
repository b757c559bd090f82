"""REST endpoints for accounts. Each handler parses, calls one service or selector, returns."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import login as session_login
from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from trustmart.core.idempotency import idempotent_secret
from trustmart.core.ratelimit import client_ip

from . import selectors, services
from .auth import token_or_session
from .models import ApiToken, User

router = Router(tags=["accounts"])


class CodeRequest(Schema):
    mobile: str
    purpose: str = "sign_up"


class CodeSent(Schema):
    sent: bool
    ttl_seconds: int


class SignUpRequest(Schema):
    mobile: str
    code: str
    password: str
    password_confirm: str
    nickname: str


class LogInRequest(Schema):
    mobile: str
    password: str


class CodeLogInRequest(Schema):
    mobile: str
    code: str


class PasswordResetRequest(Schema):
    mobile: str
    code: str
    password: str
    password_confirm: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str


class TokenCreate(Schema):
    name: str
    expires_in_days: int | None = None


class MeOut(Schema):
    id: int
    mobile: str
    nickname: str
    bio: str
    avatar_url: str | None
    roles: list[str]
    follower_count: int
    following_count: int


class ProfileIn(Schema):
    nickname: str | None = None
    bio: str | None = None


class UserOut(Schema):
    id: int
    nickname: str
    bio: str
    avatar_url: str | None
    follower_count: int = 0
    following_count: int = 0
    followed_by_me: bool = False


class SessionOut(Schema):
    user: MeOut
    token: NewTokenOut


def _avatar_url(user: User) -> str | None:
    return user.avatar.url if user.avatar else None


def _me(user: User) -> MeOut:
    profile = selectors.user_profile(user_id=user.pk)
    return MeOut(
        id=user.pk, mobile=user.mobile, nickname=user.nickname, bio=user.bio,
        avatar_url=_avatar_url(user), roles=selectors.user_roles(user),
        follower_count=profile.follower_count,  # type: ignore[attr-defined]
        following_count=profile.following_count,  # type: ignore[attr-defined]
    )


def _user_out(user: User) -> UserOut:
    return UserOut(
        id=user.pk, nickname=user.nickname, bio=user.bio, avatar_url=_avatar_url(user),
        follower_count=getattr(user, "follower_count", 0),
        following_count=getattr(user, "following_count", 0),
        followed_by_me=bool(getattr(user, "followed_by_viewer", False)),
    )


def _new_token(token: ApiToken, raw: str) -> NewTokenOut:
    return NewTokenOut(token=raw, **TokenOut.from_orm(token).dict())


@router.post("/auth/codes", response={202: CodeSent}, auth=None,
             summary="Send a verification code by SMS")
def send_code(request: HttpRequest, payload: CodeRequest) -> Status[CodeSent]:
    from django.conf import settings

    services.verification_code_send(mobile=payload.mobile, purpose=payload.purpose,
                                    ip=client_ip(request))
    return Status(202, CodeSent(sent=True, ttl_seconds=settings.VERIFICATION_CODE_TTL_SECONDS))


@router.post("/auth/signup", response={201: SessionOut}, auth=None,
             summary="Sign up with mobile number, code and password")
@decorate_view(idempotent_secret)
def sign_up(request: HttpRequest, payload: SignUpRequest) -> Status[SessionOut]:
    user = services.user_sign_up(**payload.dict())
    token, raw = services.api_token_create(user=user, name="app")
    return Status(201, SessionOut(user=_me(user), token=_new_token(token, raw)))


@router.post("/auth/login", response=SessionOut, auth=None,
             summary="Log in with mobile number and password; returns a new API token")
def log_in(request: HttpRequest, payload: LogInRequest) -> SessionOut:
    user = services.user_authenticate(mobile=payload.mobile, password=payload.password,
                                      ip=client_ip(request))
    token, raw = services.api_token_create(user=user, name="app")
    if request.headers.get("X-Session-Login") == "1":
        session_login(request, user)
    return SessionOut(user=_me(user), token=_new_token(token, raw))


@router.post("/auth/login/code", response=SessionOut, auth=None,
             summary="Log in with an SMS code (purpose log_in); works while password log-in "
                     "is locked; returns a new API token")
def log_in_by_code(request: HttpRequest, payload: CodeLogInRequest) -> SessionOut:
    user = services.user_log_in_by_code(mobile=payload.mobile, code=payload.code,
                                        ip=client_ip(request))
    token, raw = services.api_token_create(user=user, name="app")
    if request.headers.get("X-Session-Login") == "1":
        session_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return SessionOut(user=_me(user), token=_new_token(token, raw))


@router.post("/auth/password/reset", response={204: None}, auth=None,
             summary="Set a new password with an SMS code (purpose password_reset); ends the "
                     "lockout, revokes every API token of the account")
def password_reset(request: HttpRequest, payload: PasswordResetRequest) -> Status[None]:
    services.user_password_reset(**payload.dict())
    return Status(204, None)


@router.get("/me", response=MeOut, auth=token_or_session, summary="My account")
def me(request: HttpRequest) -> MeOut:
    return _me(request.auth)  # type: ignore[attr-defined]


@router.patch("/me", response=MeOut, auth=token_or_session, summary="Edit my profile")
def me_update(request: HttpRequest, payload: ProfileIn) -> MeOut:
    user = services.profile_update(user=request.auth,  # type: ignore[attr-defined]
                                   **payload.dict(exclude_unset=True))
    return _me(user)


@router.post("/me/avatar", response=MeOut, auth=token_or_session,
             summary="Upload my avatar (JPEG, PNG, WebP or GIF, at most 2 MB)")
def me_avatar(request: HttpRequest, avatar: File[UploadedFile]) -> MeOut:
    user = services.avatar_set(user=request.auth, upload=avatar)  # type: ignore[attr-defined]
    return _me(user)


@router.get("/me/followers", response=list[UserOut], auth=token_or_session)
@paginate
def my_followers(request: HttpRequest) -> list[UserOut]:
    return [_user_out(u) for u in selectors.followers_of(user=request.auth)]  # type: ignore[attr-defined]


@router.get("/me/following", response=list[UserOut], auth=token_or_session)
@paginate
def my_following(request: HttpRequest) -> list[UserOut]:
    return [_user_out(u) for u in selectors.following_of(user=request.auth)]  # type: ignore[attr-defined]


@router.get("/users/{user_id}", response=UserOut, auth=None, summary="A user's public profile")
def user_detail(request: HttpRequest, user_id: int) -> UserOut:
    viewer = request.user if request.user.is_authenticated else None
    return _user_out(selectors.user_profile(user_id=user_id, viewer=viewer))


@router.post("/users/{user_id}/follow", response={204: None}, auth=token_or_session)
def user_follow(request: HttpRequest, user_id: int) -> Status[None]:
    services.follow(follower=request.auth, followee_id=user_id)  # type: ignore[attr-defined]
    return Status(204, None)


@router.delete("/users/{user_id}/follow", response={204: None}, auth=token_or_session)
def user_unfollow(request: HttpRequest, user_id: int) -> Status[None]:
    services.unfollow(follower=request.auth, followee_id=user_id)  # type: ignore[attr-defined]
    return Status(204, None)


@router.get("/tokens", response=list[TokenOut], auth=token_or_session, summary="My API tokens")
def token_list(request: HttpRequest) -> list[ApiToken]:
    return list(selectors.api_tokens_of(user=request.auth))  # type: ignore[attr-defined]


@router.post("/tokens", response={201: NewTokenOut}, auth=token_or_session,
             summary="Create an API token; its secret is shown only in this response")
@decorate_view(idempotent_secret)
def token_create(request: HttpRequest, payload: TokenCreate) -> Status[NewTokenOut]:
    token, raw = services.api_token_create(user=request.auth,  # type: ignore[attr-defined]
                                           name=payload.name,
                                           expires_in_days=payload.expires_in_days)
    return Status(201, _new_token(token, raw))


@router.delete("/tokens/{token_id}", response=TokenOut, auth=token_or_session,
               summary="Revoke an API token")
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    return services.api_token_revoke(user=request.auth, token_id=token_id)  # type: ignore[attr-defined]
