"""Accounts in the admin: operators manage users (Django's own user administration); roles,
tokens, codes and follows are written by the services, so they are shown read-only, roles are
granted and revoked by admin actions that call ``role_grant``/``role_revoke``, and no token or
code hash is ever shown."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from trustmart.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from . import services
from .models import ApiToken, Follow, Role, RoleGrant, User, VerificationCode

# Roles an operator grants by hand; the others follow from what users do (a store, a merchant).
GRANTABLE_ROLES = (Role.OPERATOR, Role.INFLUENCER)


class RoleGrantInline(ReadOnlyTabularInline):
    model = RoleGrant
    fk_name = "user"
    fields = ("role", "granted_at", "granted_by")


def _role_action(role: Role, *, grant: bool) -> Callable[..., None]:
    def action(modeladmin: admin.ModelAdmin[User], request: HttpRequest,
               queryset: QuerySet[User]) -> None:
        for user in queryset:
            if grant:
                services.role_grant(user=user, role=role,
                                    granted_by=request.user)  # type: ignore[arg-type]
            else:
                services.role_revoke(user=user, role=role)
        modeladmin.message_user(request, _("Done for %(count)d users.")
                                % {"count": queryset.count()}, messages.SUCCESS)

    verb = "grant" if grant else "revoke"
    action.__name__ = f"{verb}_{role.value}"
    description = (_("Grant the role: %(role)s") if grant else _("Revoke the role: %(role)s"))
    return admin.action(description=description % {"role": role.label})(action)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("-date_joined",)
    list_display = ("mobile", "nickname", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "role_grants__role")
    search_fields = ("mobile", "nickname")
    inlines = [RoleGrantInline]
    actions = [_role_action(role, grant=grant) for role in GRANTABLE_ROLES
               for grant in (True, False)]
    fieldsets = (
        (None, {"fields": ("mobile", "password")}),
        (_("Profile"), {"fields": ("nickname", "avatar", "bio")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups",
                                       "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",),
                             "fields": ("mobile", "nickname", "password1", "password2")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at")
    search_fields = ("user__mobile", "name", "prefix")
    actions = ["revoke"]

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.select_related("user"):
            services.api_token_revoke(user=token.user, token_id=token.pk)
        self.message_user(request, _("Done for %(count)d tokens.")
                          % {"count": queryset.count()}, messages.SUCCESS)


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ("follower", "followee", "created_at")


@admin.register(VerificationCode)
class VerificationCodeAdmin(ReadOnlyAdmin):
    list_display = ("mobile", "purpose", "created_at", "expires_at", "consumed_at", "attempts")
