"""Moderators list broadcasts and end one that breaks the rules (admin action)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ciasom.broadcasts.models import Broadcast


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "category", "mode", "is_live", "viewers", "started_at",
                    "ended_at")
    list_filter = ("is_live", "category", "mode")
    search_fields = ("title", "owner__username", "owner__profile__nickname")
    readonly_fields = ("owner", "is_live", "started_at", "ended_at", "viewers",
                       "thumbnail_updated_at", "created_at", "updated_at")
    # Who a host keeps visible is their business; moderators do not need it.
    exclude = ("visible_people",)
    actions = ["end_broadcasts"]

    @admin.action(description=_("End the selected live broadcasts"))
    def end_broadcasts(self, request, queryset):
        live = list(queryset.filter(is_live=True))
        for broadcast in live:
            broadcast.end()
        self.message_user(
            request,
            ngettext("%d broadcast ended.", "%d broadcasts ended.", len(live)) % len(live),
            messages.SUCCESS,
        )
