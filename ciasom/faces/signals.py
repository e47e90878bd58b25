"""What the faces app tells others, and files on disk following their rows.

* `people_changed(owner_id=...)`: one of this host's people was renamed or deleted, or
  gained or lost an accepted photo. Sent only after the change has committed, so a
  receiver (the broadcasts app, rebuilding live galleries) reads exactly what is stored.
  It names the owner, not the people: a deleted person's links are gone by then.

A deleted photo (directly, or with its person or the whole account) takes its original and
face crops with it once the deletion commits.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from ciasom.faces.models import Person, Photo

people_changed = Signal()


def announce(owner_id: int) -> None:
    """Send `people_changed` for this host once the current transaction commits."""
    transaction.on_commit(lambda: people_changed.send(sender=Person, owner_id=owner_id))


@receiver(post_save, sender=Person)
def person_saved(sender, instance: Person, created: bool, **kwargs) -> None:
    if not created:  # a new person has no photo yet, so is in no gallery
        announce(instance.owner_id)


@receiver(post_delete, sender=Person)
def person_deleted(sender, instance: Person, **kwargs) -> None:
    announce(instance.owner_id)


@receiver(post_delete, sender=Photo)
def photo_deleted(sender, instance: Photo, **kwargs) -> None:
    for field in (instance.original, instance.thumbnail):
        if field.name:
            transaction.on_commit(partial(field.storage.delete, field.name))
    for candidate in instance.candidates:  # the faces of a photo awaiting the host's choice
        storage = instance.thumbnail.storage
        transaction.on_commit(partial(storage.delete, candidate["thumbnail"]))
    # Whatever its status was when loaded: enrolment may have accepted it since.
    owner_id = (
        Person.objects.filter(pk=instance.person_id).values_list("owner_id", flat=True).first()
    )
    if owner_id is not None:  # else the person's own deletion announces it
        announce(owner_id)
