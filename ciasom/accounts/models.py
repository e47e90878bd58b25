"""A user's public face on the site (nickname, avatar) and their secret stream key."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_stream_key() -> str:
    # "live_" makes a pasted key recognisable; 32 random bytes are not guessable.
    return "live_" + secrets.token_urlsafe(32)


def avatar_path(instance: Profile, filename: str) -> str:
    # Never reuse the uploaded name: it may leak a real name, and a fresh name busts caches.
    return f"avatars/{uuid.uuid4().hex}.jpg"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    nickname = models.CharField(_("nickname"), max_length=40, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_path, blank=True)
    # WHIP publishing (OBS): `Authorization: Bearer <stream_key>`. Shown on the my page.
    stream_key = models.CharField(max_length=64, unique=True, default=new_stream_key)

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.nickname or self.user.username

    def regenerate_stream_key(self) -> str:
        self.stream_key = new_stream_key()
        self.save(update_fields=["stream_key"])
        return self.stream_key


def profile_of(user) -> Profile:
    """The user's profile, created on first use (users made by createsuperuser have none)."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def user_for_stream_key(key: str):
    """The user a WHIP publisher authenticates as, or None for a wrong key."""
    if not key:
        return None
    profile = Profile.objects.select_related("user").filter(stream_key=key).first()
    if profile is None or not profile.user.is_active:
        return None
    return profile.user
