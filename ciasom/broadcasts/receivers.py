"""A deleted broadcast takes its thumbnail file with it."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from ciasom.broadcasts.models import Broadcast


@receiver(post_delete, sender=Broadcast)
def delete_thumbnail(sender, instance: Broadcast, **kwargs) -> None:
    path = instance.thumbnail_file()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
