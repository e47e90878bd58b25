"""Keep the live path and the files in step with committed broadcast rows.

Hooked to the models, not to views, so every path (pages, API, admin, account deletion,
a cascade) tells the live path, and only once the change has committed.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from ciasom.broadcasts import signals
from ciasom.broadcasts.models import Broadcast
from ciasom.faces.signals import announce, people_changed


@receiver(post_save, sender=Broadcast)
def settings_saved(sender, instance: Broadcast, created: bool, **kwargs) -> None:
    if not created:
        signals.after_commit(signals.settings_changed, Broadcast, instance.pk)


@receiver(m2m_changed, sender=Broadcast.visible_people.through)
def visible_people_changed(sender, instance, action: str, reverse: bool, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:  # person.broadcasts.remove(...): whichever of the host's broadcasts is live
        announce(instance.owner_id)
    else:
        signals.after_commit(signals.settings_changed, Broadcast, instance.pk)


@receiver(people_changed)
def galleries_changed(sender, owner_id: int, **kwargs) -> None:
    """A host's enrolled people changed (sent after the commit): the galleries of their live
    broadcasts are rebuilt. Found by owner, since a deleted person's links are gone."""
    live = Broadcast.objects.filter(owner_id=owner_id, is_live=True)
    for pk in live.values_list("pk", flat=True):
        signals.settings_changed.send(sender=Broadcast, broadcast_id=pk)


@receiver(post_save, sender=get_user_model())
def disabled_accounts_go_off_air(sender, instance, created: bool, **kwargs) -> None:
    """A moderator disabling an account also ends whatever it is broadcasting."""
    if not instance.is_active and not created:
        for broadcast in Broadcast.objects.filter(owner=instance, is_live=True):
            broadcast.end()


@receiver(post_delete, sender=Broadcast)
def broadcast_deleted(sender, instance: Broadcast, **kwargs) -> None:
    """A deleted broadcast (with its account, too) leaves the air and takes its thumbnail."""
    if instance.is_live:
        signals.after_commit(signals.ended, Broadcast, instance.pk)
    path = instance.thumbnail_file()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
