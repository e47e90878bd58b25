"""Every user has a profile; an avatar file goes when its profile goes.

(A disabled or deleted account's broadcasts leave the air through the broadcasts app's
own receivers.)"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from ciasom.accounts.models import Profile


@receiver(post_save, sender=get_user_model())
def create_profile(sender, instance, created, **kwargs) -> None:
    if created:
        Profile.objects.get_or_create(user=instance)


@receiver(post_delete, sender=Profile)
def delete_avatar(sender, instance: Profile, **kwargs) -> None:
    if instance.avatar.name:
        storage, name = instance.avatar.storage, instance.avatar.name
        transaction.on_commit(lambda: storage.delete(name))
