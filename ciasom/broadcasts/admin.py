"""Moderators list broadcasts and end one that breaks the rules (admin action).

Ending is all they do: a broadcast's privacy settings (mode, style, strength, visible
people, delays) are the host's, and a moderator switching a mosaic off would expose
bystanders. So for anyone but a superuser every field is read-only except the block a
moderator's end puts on the host (its reason and how long it lasts).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ciasom.broadcasts.models import Broadcast

MODERATOR_EDITABLE = {"blocked_until", "block_reason"}
DEFAULT_REASON = _("It broke the site's rules.")


@admin.register(Broadcast)
class BroadcastAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "owner",
        "category",
        "mode",
        "is_live",
        "viewers",
        "started_at",
        "ended_at",
        "blocked_until",
    )
    list_filter = ("is_live", "category", "mode")
    search_fields = ("title", "owner__username", "owner__profile__nickname")
    readonly_fields = (
        "owner",
        "is_live",
        "started_at",
        "ended_at",
        "viewers",
        "thumbnail_updated_at",
        "created_at",
        "updated_at",
    )
    # Who a host keeps visible is their business; moderators do not need it.
    exclude = ("visible_people",)
    actions = ["end_broadcasts"]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        settings = [
            field.name
            for field in Broadcast._meta.concrete_fields
            if field.editable and not field.primary_key and field.name not in MODERATOR_EDITABLE
        ]
        return list(dict.fromkeys([*self.readonly_fields, *settings]))

    @admin.action(description=_("End the selected live broadcasts (the host stays off air)"))
    def end_broadcasts(self, request, queryset):
        live = list(queryset.live())
        for broadcast in live:
            broadcast.end_by_moderator(str(DEFAULT_REASON))
        self.message_user(
            request,
            ngettext("%d broadcast ended.", "%d broadcasts ended.", len(live)) % len(live),
            messages.SUCCESS,
        )
