"""Reads of accounts data."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.core.errors import NotFound

from .models import ApiToken, Follow, Role, User


def user_roles(user: User) -> list[str]:
    granted = set(user.role_grants.values_list("role", flat=True))
    return [Role.BUYER.value, *[r for r in Role.values if r in granted and r != Role.BUYER]]


def user_has_role(user: User, role: str) -> bool:
    if role == Role.BUYER:
        return user.is_authenticated
    return user.is_authenticated and user.role_grants.filter(role=role).exists()


def _with_social(qs: QuerySet[User], viewer: User | None) -> QuerySet[User]:
    qs = qs.annotate(
        follower_count=Count("follower_set", distinct=True),
        following_count=Count("following_set", distinct=True),
    )
    if viewer is not None and viewer.is_authenticated:
        qs = qs.annotate(
            followed_by_viewer=Exists(Follow.objects.filter(follower=viewer,
                                                            followee=OuterRef("pk")))
        )
    return qs


def user_profile(*, user_id: int, viewer: User | None = None) -> User:
    user = _with_social(User.objects.filter(pk=user_id, is_active=True), viewer).first()
    if user is None:
        raise NotFound(_("This user does not exist."))
    return user


def users_to_discover(*, viewer: User | None, limit: int = 30) -> QuerySet[User]:
    qs = User.objects.filter(is_active=True, is_staff=False)
    if viewer is not None and viewer.is_authenticated:
        qs = qs.exclude(pk=viewer.pk)
    # Most-followed first: the people a newcomer is likeliest to know.
    ranked: QuerySet[User] = _with_social(qs, viewer)
    return ranked.order_by(F("follower_count").desc(), "pk")[:limit]


def followers_of(*, user: User) -> QuerySet[User]:
    return User.objects.filter(following_set__followee=user).order_by("-following_set__created_at")


def following_of(*, user: User) -> QuerySet[User]:
    return User.objects.filter(follower_set__follower=user).order_by("-follower_set__created_at")


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def is_operator(user: User | AnonymousUser) -> bool:
    """Operators vet merchants, review products and arbitrate; the admin's staff count too."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff) or user_has_role(user, Role.OPERATOR)


def require_operator(user: User | AnonymousUser) -> User:
    """The operator, or NotFound: operator pages and endpoints do not exist for anyone else
    (404, never 403). Every operator-only selector, service and endpoint calls this."""
    if not user.is_authenticated or not is_operator(user):
        raise NotFound()
    return user
