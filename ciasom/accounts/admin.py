"""Moderators (staff) see users with their profile; stream keys stay hidden.

A moderator may only disable (or re-enable) an ordinary account. Everything that could
hand over an account — its password, e-mail, rights — stays with superusers, and staff
or superuser accounts are out of a moderator's reach, or one could take over the site.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from ciasom.accounts.models import Profile

# What a moderator may change on an ordinary account (disabling ends its broadcasts).
MODERATOR_EDITABLE = {"is_active"}


class ProfileInline(admin.StackedInline):
    model = Profile
    fields = ("nickname", "avatar")
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return () if request.user.is_superuser else self.fields


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class CiasomUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "nickname", "email", "is_active", "is_staff", "date_joined")
    list_select_related = ("profile",)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not request.user.is_superuser and (obj.is_staff or obj.is_superuser):
            return False  # view only: a moderator cannot lock out or edit another moderator
        return super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        shown = [
            name
            for _title, options in self.get_fieldsets(request, obj)
            for name in options["fields"]
        ]
        return [name for name in shown if name not in MODERATOR_EDITABLE]

    def user_change_password(self, request, id, form_url=""):
        # Setting someone's password is taking their account over: superusers only.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    @admin.display(description="nickname")
    def nickname(self, user):
        return user.profile.nickname if hasattr(user, "profile") else ""
