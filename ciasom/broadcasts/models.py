"""A broadcast: what the host chose (title, category, who stays visible, mosaic style) and
its live state, which the live media path updates."""

from __future__ import annotations

import os
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ciasom.broadcasts import signals
from ciasom.engine.settings import (
    DEFAULT_PRIVACY_DELAY_MS,
    MODES,
    PRIVACY_DELAY_MS_MAX,
    PRIVACY_DELAY_MS_MIN,
    STYLES,
)
from ciasom.faces.models import Person

# The one message for a delay out of range (model, form and API alike).
PRIVACY_DELAY_ERROR = format_lazy(
    _("The privacy delay must be between {min} and {max} ms."),
    min=PRIVACY_DELAY_MS_MIN,
    max=PRIVACY_DELAY_MS_MAX,
)


MODE_LABELS = {
    "except": _("Mosaic everyone except the chosen people"),
    "all": _("Mosaic every face"),
    "off": _("Off: no mosaic (you are responsible for bystanders)"),
}
STYLE_LABELS = {"pixelate": _("Pixelate"), "blur": _("Blur"), "box": _("Solid box")}


class AlreadyLive(Exception):
    """The host already has a live broadcast (WHIP answers 409)."""


class Blocked(Exception):
    """A moderator ended one of the host's broadcasts; going live waits (WHIP answers 403)."""


class BroadcastQuerySet(models.QuerySet["Broadcast"]):
    def live(self) -> BroadcastQuerySet:
        return self.filter(is_live=True)

    def owned_by(self, user: Any) -> BroadcastQuerySet:
        """The host's own broadcasts (what pages and the API let them see and change)."""
        return self.filter(owner_id=user.pk)

    def live_ids(self, owner_id: int) -> list[int]:
        """The ids of this host's live broadcasts (at most one; a list so none is fine)."""
        return list(self.live().filter(owner_id=owner_id).values_list("pk", flat=True))

    def end_all(self) -> int:
        """End every live broadcast in this queryset (each tells the live path); how many."""
        live = list(self.live())
        for broadcast in live:
            broadcast.end()
        return len(live)


class Broadcast(models.Model):
    objects = BroadcastQuerySet.as_manager()

    class Category(models.TextChoices):
        OUTDOOR = "outdoor", _("Outdoor")
        TALK = "talk", _("Talk")
        GAME = "game", _("Game")
        OTHER = "other", _("Other")

    # The values are the engine's (ciasom.engine.settings MODES, STYLES); the labels are ours.
    Mode = models.TextChoices(  # type: ignore[call-overload]  # stubs lack the functional API
        "Mode", [(mode.upper(), (mode, MODE_LABELS[mode])) for mode in MODES]
    )
    Style = models.TextChoices(  # type: ignore[call-overload]
        "Style", [(style.upper(), (style, STYLE_LABELS[style])) for style in STYLES]
    )

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="broadcasts"
    )
    title = models.CharField(_("title"), max_length=100)
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.OTHER
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.EXCEPT)
    visible_people = models.ManyToManyField(
        Person, blank=True, related_name="broadcasts", verbose_name=_("visible people")
    )
    style = models.CharField(
        _("mosaic style"), max_length=10, choices=Style.choices, default=Style.PIXELATE
    )
    # 1 (lightest, still unrecognisable) .. 5 (strongest); see ciasom.engine.mosaic.
    strength = models.PositiveSmallIntegerField(_("mosaic strength"), default=3)
    privacy_delay_ms = models.PositiveSmallIntegerField(
        _("privacy delay (ms)"),
        default=DEFAULT_PRIVACY_DELAY_MS,
        validators=[
            MinValueValidator(PRIVACY_DELAY_MS_MIN, message=PRIVACY_DELAY_ERROR),
            MaxValueValidator(PRIVACY_DELAY_MS_MAX, message=PRIVACY_DELAY_ERROR),
        ],
        help_text=_(
            "Viewers see the stream this much later, so every frame is checked before it leaves."
        ),
    )

    is_live = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    viewers = models.PositiveIntegerField(default=0)
    thumbnail_updated_at = models.DateTimeField(null=True, blank=True)
    # Set when a moderator ends the broadcast: its host cannot go live (with any broadcast,
    # or a new one would dodge the end) before this time. The reason is shown to the host.
    blocked_until = models.DateTimeField(_("host blocked until"), null=True, blank=True)
    block_reason = models.CharField(_("reason for the block"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_live=True), name="one_live_broadcast_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(strength__gte=1) & Q(strength__lte=5), name="strength_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(privacy_delay_ms__gte=PRIVACY_DELAY_MS_MIN)
                & Q(privacy_delay_ms__lte=PRIVACY_DELAY_MS_MAX),
                name="privacy_delay_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    # -- URLs the pages and the API hand out -------------------------------------------
    @property
    def whip_url(self) -> str:
        return f"/whip/{self.pk}"

    @property
    def whep_url(self) -> str:
        return f"/whep/{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("watch", args=[self.pk])

    @property
    def host_name(self) -> str:
        profile = getattr(self.owner, "profile", None)
        return profile.display_name if profile else self.owner.get_username()

    # -- thumbnail: written by the live path from the *processed* stream -----------------
    def thumbnail_file(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "thumbnails" / f"{self.pk}.jpg"

    @property
    def thumbnail_url(self) -> str:
        if self.thumbnail_updated_at is None:
            return static("ciasom/placeholder.svg")
        version = int(self.thumbnail_updated_at.timestamp())
        return f"{settings.MEDIA_URL}thumbnails/{self.pk}.jpg?v={version}"

    def store_thumbnail(self, jpeg: bytes) -> None:
        """Replace the thumbnail atomically (viewers never load half a file).

        For the live path, from a sync context, every few seconds while live. Only ever
        pass JPEGs of the processed (mosaicked) frames.
        """
        path = self.thumbnail_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(jpeg)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
        self.thumbnail_updated_at = timezone.now()
        Broadcast.objects.filter(pk=self.pk).update(thumbnail_updated_at=self.thumbnail_updated_at)

    # -- live state -----------------------------------------------------------------------
    def start(self) -> None:
        """Mark live; AlreadyLive if another broadcast of the same host is live, Blocked if
        a moderator's end still holds."""
        block = Broadcast.block_on(self.owner_id)
        if block is not None:
            raise Blocked(block.block_message())
        try:
            with transaction.atomic():
                updated = Broadcast.objects.filter(pk=self.pk, is_live=False).update(
                    is_live=True, started_at=timezone.now(), ended_at=None, viewers=0
                )
        except IntegrityError as error:
            raise AlreadyLive(str(error)) from error
        if not updated:
            raise AlreadyLive("this broadcast is already live")
        self.refresh_from_db(fields=["is_live", "started_at", "ended_at", "viewers"])

    def end(self) -> None:
        """Mark ended and tell the live path to stop (idempotent)."""
        updated = Broadcast.objects.filter(pk=self.pk, is_live=True).update(
            is_live=False, ended_at=timezone.now(), viewers=0
        )
        self.refresh_from_db(fields=["is_live", "started_at", "ended_at", "viewers"])
        if updated:
            signals.after_commit(signals.ended, Broadcast, self.pk)

    def end_and_delete(self) -> None:
        """Delete it, ending it first if live (the live path is told once, after the commit)."""
        with transaction.atomic():
            self.end()
            self.delete()

    def end_by_moderator(self, reason: str) -> None:
        """End it and keep its host off the air for a while, so the end sticks."""
        hours = settings.CIASOM_MODERATOR_BLOCK_HOURS
        self.blocked_until = timezone.now() + timedelta(hours=hours)
        self.block_reason = reason[:300]
        Broadcast.objects.filter(pk=self.pk).update(
            blocked_until=self.blocked_until, block_reason=self.block_reason
        )
        self.end()

    @staticmethod
    def block_on(owner_id: int | None) -> Broadcast | None:
        """The moderator-ended broadcast that keeps this host off the air now, if any."""
        return (
            Broadcast.objects.filter(owner_id=owner_id, blocked_until__gt=timezone.now())
            .order_by("-blocked_until")
            .first()
        )

    def block_message(self) -> str:
        until = timezone.localtime(self.blocked_until).strftime("%Y-%m-%d %H:%M %Z")
        return _(
            "A moderator ended “%(title)s”: %(reason)s You can go live again after %(until)s."
        ) % {"title": self.title, "reason": self.block_reason, "until": until}

    def set_viewers(self, count: int) -> None:
        self.viewers = max(0, count)
        Broadcast.objects.filter(pk=self.pk).update(viewers=self.viewers)

    # -- what the engine needs --------------------------------------------------------------
    @property
    def privacy_delay_seconds(self) -> float:
        """The delay line's length as the media layer takes it (``LiveStream.privacy_delay``)."""
        return self.privacy_delay_ms / 1000

    def engine_settings(self):
        from ciasom.engine.settings import EngineSettings

        return EngineSettings(mode=self.mode, style=self.style, strength=self.strength)

    def gallery_embeddings(self) -> dict:
        """{person name: (n, 128) float32} of the visible people with accepted photos.

        Empty unless the mode is `except`: in `all` nobody is spared, and in `off`
        nothing is mosaicked anyway.
        """
        if self.mode != self.Mode.EXCEPT:
            return {}
        people = self.visible_people.filter(owner_id=self.owner_id)
        result = {}
        for person in people:
            embeddings = person.embeddings()
            if len(embeddings):
                result[person.name] = embeddings
        return result

    def gallery(self):
        """The engine Gallery of the people this broadcast leaves visible."""
        from ciasom.engine.gallery import Gallery

        return Gallery(self.gallery_embeddings())
