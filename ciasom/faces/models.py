"""People a host enrols from photos so the engine can leave their faces visible.

Only the embedding (128 float32) and a small face crop are needed after enrolment; the
original photo is deleted unless the owner asks to keep it.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from ciasom.engine.gallery import EMBEDDING_SIZE


def private_storage():
    """Owner-only files (enrolment photos, face crops): served only through checked views."""
    return storages["private"]


def original_path(instance: Photo, filename: str) -> str:
    return f"faces/{instance.person_id}/{uuid.uuid4().hex}-original"


def thumbnail_path(instance: Photo, filename: str) -> str:
    return f"faces/{instance.person_id}/{uuid.uuid4().hex}-face.jpg"


class PersonQuerySet(models.QuerySet):
    def owned_by(self, user: Any) -> PersonQuerySet:
        """The host's own people: nobody else's may be seen, changed or chosen."""
        return self.filter(owner_id=user.pk)

    def with_counts(self) -> PersonQuerySet:
        return self.annotate(
            n_pending=Count("photos", filter=Q(photos__status=Photo.Status.PENDING)),
            n_accepted=Count("photos", filter=Q(photos__status=Photo.Status.ACCEPTED)),
            n_rejected=Count("photos", filter=Q(photos__status=Photo.Status.REJECTED)),
        )


class Person(models.Model):
    class Status(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("No usable photo")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people"
    )
    name = models.CharField(_("name"), max_length=60)
    keep_photos = models.BooleanField(
        _("keep original photos"),
        default=False,
        help_text=_(
            "Off: originals are deleted once the face is learnt; only a small "
            "face crop and the face description are kept."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # The engine and the live list name people by name within one host.
            models.UniqueConstraint(fields=["owner", "name"], name="person_name_unique_per_owner")
        ]

    def __str__(self) -> str:
        return self.name

    def counts(self) -> tuple[int, int, int]:
        """(pending, accepted, rejected), from annotations when the queryset made them."""
        if hasattr(self, "n_pending"):
            counted: Any = self  # with_counts() annotated it
            return counted.n_pending, counted.n_accepted, counted.n_rejected
        rows = dict(self.photos.values_list("status").annotate(n=Count("id")))
        return (
            rows.get(Photo.Status.PENDING, 0),
            rows.get(Photo.Status.ACCEPTED, 0),
            rows.get(Photo.Status.REJECTED, 0),
        )

    @property
    def status(self) -> str:
        """processing while any photo waits; ready with at least one accepted; else failed."""
        pending, accepted, _rejected = self.counts()
        if pending:
            return self.Status.PROCESSING
        return self.Status.READY if accepted else self.Status.FAILED

    @property
    def status_label(self) -> str:
        return str(self.Status(self.status).label)

    def discard_originals(self) -> int:
        """Delete the kept originals of processed photos (after "keep photos" is switched
        off); pending photos keep theirs until enrolment is done with them."""
        done = self.photos.exclude(status=Photo.Status.PENDING).exclude(original="")
        count = 0
        for photo in done:
            photo.original.delete(save=False)
            Photo.objects.filter(pk=photo.pk).update(original="")
            count += 1
        return count

    def embeddings(self) -> np.ndarray:
        """All accepted embeddings, shape (n, 128) float32."""
        blobs = self.photos.filter(status=Photo.Status.ACCEPTED, embedding__isnull=False)
        rows = [bytes(b) for b in blobs.values_list("embedding", flat=True) if b is not None]
        if not rows:
            return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        return np.stack([np.frombuffer(b, dtype=np.float32) for b in rows])


class PhotoQuerySet(models.QuerySet):
    def owned_by(self, user: Any, person_id: int) -> PhotoQuerySet:
        """The photos of one of the host's own people."""
        return self.filter(person_id=person_id, person__owner_id=user.pk)


class Photo(models.Model):
    objects = PhotoQuerySet.as_manager()

    class Status(models.TextChoices):
        PENDING = "pending", _("Processing")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    class Reason(models.TextChoices):
        NO_FACE = "no_face", _("No face found")
        SEVERAL_FACES = "several_faces", _("Several faces; use a photo of this person alone")
        CHOOSE_FACE = "choose_face", _("Several faces; choose the one that is this person")
        TOO_SMALL = "too_small", _("The face is too small")
        UNREADABLE = "unreadable", _("Not a readable image")
        TOO_LARGE = "too_large", _("Too many pixels")
        ERROR = "error", _("Could not be processed")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="photos")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    message = models.CharField(max_length=300, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    original = models.FileField(storage=private_storage, upload_to=original_path, blank=True)
    thumbnail = models.FileField(storage=private_storage, upload_to=thumbnail_path, blank=True)
    # 128 float32 little-endian (dlib ResNet descriptor); never leaves the server.
    embedding = models.BinaryField(null=True, editable=False)
    face_box = models.JSONField(null=True, blank=True)
    # While the host has to say which face is this person (reason choose_face): per face
    # found, {"box": [x1, y1, x2, y2], "thumbnail": private file name, "embedding": base64
    # of the 128 float32}. Emptied once a face is chosen.
    candidates = models.JSONField(default=list, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.person} #{self.pk} ({self.status})"

    @property
    def reason_text(self) -> str:
        return self.get_reason_display() if self.reason else ""

    @property
    def awaits_choice(self) -> bool:
        return self.reason == self.Reason.CHOOSE_FACE and bool(self.candidates)
