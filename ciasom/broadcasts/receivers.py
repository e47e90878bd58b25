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


@receiver(post_save, sender=Broadcast)
def settings_saved(sender, instance: Broadcast, created: bool, **kwargs) -> None:
    if not created:
        signals.after_commit(signals.settings_changed, Broadcast, instance.pk)


@receiver(m2m_changed, sender=Broadcast.visible_people.through)
def visible_people_changed(sender, instance, action: str, reverse: bool, **kwargs) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if reverse:  # person.broadcasts.remove(...): whichever of the host's broadcasts is live
        owner_id = instance.owner_id
        transaction.on_commit(
            lambda: [
                signals.settings_changed.send(sender=Broadcast, broadcast_id=pk)
                for pk in Broadcast.objects.live_ids(owner_id)
            ]
        )
    else:
        signals.after_commit(signals.settings_changed, Broadcast, instance.pk)


@receiver(post_save, sender=get_user_model())
def disabled_accounts_go_off_air(sender, instance, created: bool, **kwargs) -> None:
    """A moderator disabling an account also ends whatever it is broadcasting."""
    if not instance.is_active and not created:
        Broadcast.objects.filter(owner=instance).end_all()


@receiver(post_delete, sender=Broadcast)
def broadcast_deleted(sender, instance: Broadcast, **kwargs) -> None:
    """A deleted broadcast (with its account, too) leaves the air and takes its thumbnail."""
    if instance.is_live:
        signals.after_commit(signals.ended, Broadcast, instance.pk)
    path = instance.thumbnail_file()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
