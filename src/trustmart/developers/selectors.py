"""Reads of the open platform, always for the acting user.

A person sees the apps and endpoints of the merchants they work for (operators: the platform's
too) and manages them if they own the merchant (operators: the platform's). An app, acting as
its own user, sees only its own endpoints. Anything else is ``NotFound``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from trustmart.accounts.selectors import is_operator
from trustmart.core.errors import NotFound
from trustmart.merchants.models import Merchant, MerchantStaff
from trustmart.merchants.selectors import merchants_of_user

from .models import (
    ApiCall,
    Delivery,
    DeliveryAttempt,
    DeveloperApp,
    EndpointNotice,
    WebhookEndpoint,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from trustmart.accounts.models import User


def app_of_user(user: User | AnonymousUser) -> DeveloperApp | None:
    """The app ``user`` is the own user of, if it is one."""
    if not user.is_authenticated:
        return None
    cached: DeveloperApp | bool | None = getattr(user, "_developer_app", False)
    if cached is not False:
        return cached if isinstance(cached, DeveloperApp) else None
    app = DeveloperApp.objects.filter(user_id=user.pk).first()
    setattr(user, "_developer_app", app)  # noqa: B010  (memo on this request's user object)
    return app


def _people_merchant_ids(user: User | AnonymousUser, *, owner: bool) -> QuerySet[Merchant]:
    merchants = merchants_of_user(user=user)
    if owner:
        merchants = merchants.filter(staff__user_id=user.pk or 0,
                                     staff__role=MerchantStaff.Role.OWNER)
    return merchants.values_list("pk", flat=True)  # type: ignore[return-value]


def _owned(user: User | AnonymousUser, *, manage: bool) -> Q:
    """Rows with a ``merchant`` the person may see (or manage), and platform rows for operators."""
    q = Q(merchant_id__in=_people_merchant_ids(user, owner=manage))
    if is_operator(user):
        q |= Q(merchant__isnull=True)
    return q


# --- apps ------------------------------------------------------------------------------------
def _app_not_found() -> NotFound:
    return NotFound(_("This app does not exist."), code="app_not_found")


def apps_visible(*, user: User | AnonymousUser) -> QuerySet[DeveloperApp]:
    if not user.is_authenticated or app_of_user(user) is not None:
        return DeveloperApp.objects.none()
    return (DeveloperApp.objects.filter(_owned(user, manage=False))
            .select_related("merchant").prefetch_related("secrets").order_by("-created_at"))


def app_for_viewer(*, user: User | AnonymousUser, app_id: int) -> DeveloperApp:
    app = apps_visible(user=user).filter(pk=app_id).first()
    if app is None:
        raise _app_not_found()
    return app


def app_for_manager(*, user: User | AnonymousUser, app_id: int) -> DeveloperApp:
    if not user.is_authenticated or app_of_user(user) is not None:
        raise _app_not_found()
    app = DeveloperApp.objects.filter(_owned(user, manage=True), pk=app_id).first()
    if app is None:
        raise _app_not_found()
    return app


def api_calls_of_app(*, app: DeveloperApp) -> QuerySet[ApiCall]:
    return ApiCall.objects.filter(app=app).order_by("-created_at", "-pk")


# --- endpoints -------------------------------------------------------------------------------
def _endpoint_not_found() -> NotFound:
    return NotFound(_("This webhook endpoint does not exist."), code="endpoint_not_found")


def endpoints_visible(*, user: User | AnonymousUser, manage: bool = False
                      ) -> QuerySet[WebhookEndpoint]:
    if not user.is_authenticated:
        return WebhookEndpoint.objects.none()
    app = app_of_user(user)
    rows = (WebhookEndpoint.objects.filter(app=app) if app is not None
            else WebhookEndpoint.objects.filter(_owned(user, manage=manage)))
    return rows.select_related("merchant", "app").order_by("pk")


def endpoint_for_viewer(*, user: User | AnonymousUser, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoints_visible(user=user).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise _endpoint_not_found()
    return endpoint


def endpoint_for_manager(*, user: User | AnonymousUser, endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoints_visible(user=user, manage=True).filter(pk=endpoint_id).first()
    if endpoint is None:
        raise _endpoint_not_found()
    return endpoint


def endpoint_active_secrets(*, endpoint: WebhookEndpoint) -> list[str]:
    from django.utils import timezone

    now = timezone.now()
    return list(endpoint.secrets.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
                .order_by("-created_at", "-pk").values_list("secret", flat=True))


def deliveries_of_endpoint(*, endpoint: WebhookEndpoint, status: str | None = None
                           ) -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(endpoint=endpoint).select_related("message")
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-pk")


def delivery_for_viewer(*, user: User | AnonymousUser, delivery_id: int) -> Delivery:
    delivery = (Delivery.objects.select_related("message", "endpoint")
                .filter(pk=delivery_id, endpoint__in=endpoints_visible(user=user)).first())
    if delivery is None:
        raise NotFound(_("This delivery does not exist."), code="delivery_not_found")
    return delivery


def delivery_log(*, delivery: Delivery) -> QuerySet[DeliveryAttempt]:
    return delivery.log.order_by("-created_at", "-pk")


def notices_for_user(*, user: User | AnonymousUser) -> QuerySet[EndpointNotice]:
    return (EndpointNotice.objects.filter(endpoint__in=endpoints_visible(user=user))
            .select_related("endpoint").order_by("-created_at")[:20])


# --- the developer page ------------------------------------------------------------------------
@dataclass(frozen=True)
class ScopedOperation:
    method: str
    path: str
    summary: str


def scoped_operations() -> dict[str, list[ScopedOperation]]:
    """Scope → the API operations that accept an app token with it, read from the API."""
    from trustmart.accounts.auth import AppTokenAuth
    from trustmart.api import api

    found: dict[str, list[ScopedOperation]] = {}
    # Every mount of every router, nested ones included (ninja's bound routers).
    for bound in api._get_bound_routers():
        prefix = bound.prefix
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                for auth in operation.auth_callbacks:
                    if isinstance(auth, AppTokenAuth):
                        for method in operation.methods:
                            full = "/".join(p.strip("/") for p in ("api", prefix, path)
                                            if p.strip("/"))
                            found.setdefault(auth.scope, []).append(ScopedOperation(
                                method, f"/{full}", operation.summary or ""))
    return {scope: sorted(ops, key=lambda o: (o.path, o.method)) for scope, ops in found.items()}
