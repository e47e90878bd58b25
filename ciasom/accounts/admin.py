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

    @admin.display(description="nickname")
    def nickname(self, user):
        return user.profile.nickname if hasattr(user, "profile") else ""
