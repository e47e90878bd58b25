"""Files on disk follow their rows: a deleted photo (directly, or with its person or the
whole account) takes its original and face crop with it once the deletion commits."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from ciasom.faces.models import Photo


@receiver(post_delete, sender=Photo)
def delete_photo_files(sender, instance: Photo, **kwargs) -> None:
    for field in (instance.original, instance.thumbnail):
        if field:
            storage, name = field.storage, field.name
            transaction.on_commit(lambda s=storage, n=name: s.delete(n))
