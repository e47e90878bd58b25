"""Moderators (staff) see users with their profile; stream keys stay hidden."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from ciasom.accounts.models import Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    fields = ("nickname", "avatar")
    can_delete = False


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class CiasomUserAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ("username", "nickname", "email", "is_active", "is_staff", "date_joined")
    list_select_related = ("profile",)

    def get_readonly_fields(self, request, obj=None):
        # Moderators may disable an account (is_active); only superusers hand out rights.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("username", "is_staff", "is_superuser", "groups", "user_permissions",
                "last_login", "date_joined")

    @admin.display(description="nickname")
    def nickname(self, user):
        return user.profile.nickname if hasattr(user, "profile") else ""
