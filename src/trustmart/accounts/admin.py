from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, Follow, RoleGrant, User, VerificationCode


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    readonly_fields = ("granted_at", "granted_by")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("-date_joined",)
    list_display = ("mobile", "nickname", "is_active", "is_staff", "date_joined")
    list_filter = ("is_active", "is_staff", "role_grants__role")
    search_fields = ("mobile", "nickname")
    inlines = [RoleGrantInline]
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
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at", "revoked_at")
    search_fields = ("user__mobile", "name", "prefix")
    readonly_fields = ("user", "prefix", "token_hash", "created_at", "last_used_at")


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ("follower", "followee", "created_at")
    raw_id_fields = ("follower", "followee")


@admin.register(VerificationCode)
class VerificationCodeAdmin(admin.ModelAdmin):
    list_display = ("mobile", "purpose", "created_at", "expires_at", "consumed_at", "attempts")
    exclude = ("code_hash",)
