"""Per-account limits on what enrolment stores and queues, so one account cannot fill the
disk or keep the enrolment workers busy for everybody else.

The limits are settings (CIASOM_MAX_*_PER_ACCOUNT, see README); the checks run under a
lock on the owner's row, so two uploads at once cannot both slip under a limit.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Sum
from django.utils.translation import gettext as _

from ciasom.faces.models import Person, Photo

MB = 1024 * 1024


class QuotaExceeded(Exception):
    """Refused, nothing stored: the account reached one of its limits (API: 403 or 429)."""

    def __init__(self, quota: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.quota = quota
        self.message = message
        self.status = status


def lock(owner_id: int) -> None:
    """Serialise an owner's quota checks and writes (call inside a transaction)."""
    get_user_model().objects.select_for_update().filter(pk=owner_id).exists()


def check_new_person(owner_id: int) -> None:
    """Call inside the transaction that creates the person."""
    lock(owner_id)
    limit = settings.CIASOM_MAX_PEOPLE_PER_ACCOUNT
    if Person.objects.filter(owner_id=owner_id).count() >= limit:
        raise QuotaExceeded(
            "people",
            _("An account can enrol at most %(n)d people. Delete someone first.") % {"n": limit},
        )


def check_new_photos(owner_id: int, files: list[UploadedFile]) -> None:
    """Call inside the transaction that stores the photos."""
    lock(owner_id)
    photos = Photo.objects.filter(person__owner_id=owner_id)
    queued_limit = settings.CIASOM_MAX_QUEUED_PHOTOS_PER_ACCOUNT
    queued = photos.filter(status=Photo.Status.PENDING).count()
    if queued + len(files) > queued_limit:
        raise QuotaExceeded(
            "queued",
            _(
                "%(queued)d photos are still being processed and at most %(n)d may wait; "
                "upload more once they are done."
            )
            % {"queued": queued, "n": queued_limit},
            status=429,
        )
    photo_limit = settings.CIASOM_MAX_PHOTOS_PER_ACCOUNT
    kept = photos.exclude(status=Photo.Status.REJECTED).count()
    if kept + len(files) > photo_limit:
        raise QuotaExceeded(
            "photos",
            _("An account can keep at most %(n)d photos; %(kept)d are stored. Delete some first.")
            % {"n": photo_limit, "kept": kept},
        )
    byte_limit = settings.CIASOM_MAX_STORED_BYTES_PER_ACCOUNT
    # Originals on disk: those waiting for enrolment and those kept ("keep original photos").
    stored = photos.exclude(original="").aggregate(total=Sum("size"))["total"] or 0
    if stored + sum(f.size or 0 for f in files) > byte_limit:
        raise QuotaExceeded(
            "storage",
            _(
                "Your stored photos may take at most %(limit)d MB and %(used)d MB are used. "
                "Delete some, or switch “keep original photos” off."
            )
            % {"limit": byte_limit // MB, "used": -(-stored // MB)},
        )
