"""The background task that turns an uploaded photo into an embedding and a face crop.

Runs in a task worker (``ciasom.tasks``), never in a request. The engine (detector + dlib ResNet,
0.1-0.5 s per photo) is imported lazily so web processes that never enrol stay light.
"""

from __future__ import annotations

import base64
import logging
from datetime import timedelta
from functools import partial
from typing import Any

import cv2
import numpy as np
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from ciasom import tasks
from ciasom.engine.gallery import EMBEDDING_SIZE
from ciasom.faces.models import Photo, thumbnail_path
from ciasom.faces.signals import announce

log = logging.getLogger(__name__)

THUMBNAIL_PX = 160
# A photo claimed this long ago by a worker that died is claimed again at start-up.
STALE_CLAIM = timedelta(minutes=10)


@task()
def enrol(photo_id: int) -> None:
    now = timezone.now()
    claimed = (
        Photo.objects.filter(pk=photo_id, status=Photo.Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM))
        .update(claimed_at=now)
    )
    if not claimed:
        return  # done, deleted, or another worker has it
    try:
        _enrol_claimed(photo_id)
    except Exception:
        # Never leave a photo "processing" for ever: record the failure, then re-raise
        # so the runner logs it.
        Photo.objects.filter(pk=photo_id, status=Photo.Status.PENDING).update(
            status=Photo.Status.REJECTED,
            reason="error",
            message="The photo could not be processed.",
            processed_at=timezone.now(),
        )
        raise


def _enrol_claimed(photo_id: int) -> None:
    photo = Photo.objects.select_related("person").filter(pk=photo_id).first()
    if photo is None:
        return
    try:
        with photo.original.open("rb") as f:
            data = f.read()
    except (FileNotFoundError, ValueError):
        _finish(photo, Photo.Status.REJECTED, "error", "The uploaded file is gone.")
        return

    from ciasom.engine.enrolment import AmbiguousPhoto, EnrolmentError, enrol_photo
    from ciasom.engine.photo import PhotoError, read_photo

    try:
        result = enrol_photo(read_photo(data))
    except AmbiguousPhoto as ambiguous:
        # Nobody can tell from the photo whose it is: keep each face's crop and
        # description (not the photo) until the host says which one is this person.
        storage = Photo._meta.get_field("thumbnail").storage
        candidates: list[dict[str, Any]] = [
            {
                "box": [int(v) for v in face.box],
                "thumbnail": storage.save(
                    thumbnail_path(photo, "face.jpg"), ContentFile(face_thumbnail(face.crop))
                ),
                "embedding": base64.b64encode(_embedding_bytes(face.embedding)).decode(),
            }
            for face in ambiguous.faces
        ]
        if not _finish(
            photo, Photo.Status.REJECTED, ambiguous.code, ambiguous.message, candidates=candidates
        ):
            for candidate in candidates:
                storage.delete(candidate["thumbnail"])
    except (PhotoError, EnrolmentError) as error:
        _finish(photo, Photo.Status.REJECTED, error.code, error.message)
    except Exception:
        log.exception("enrolment of photo %s failed", photo_id)
        _finish(photo, Photo.Status.REJECTED, "error", "The photo could not be processed.")
    else:
        _finish(
            photo,
            Photo.Status.ACCEPTED,
            embedding=_embedding_bytes(result.embedding),
            thumbnail=face_thumbnail(result.crop),
            warnings=list(result.warnings),
            face_box=[int(v) for v in result.box],
        )


class ChoiceRefused(ValueError):
    """A face choice that cannot apply; `status` is the HTTP answer, `message` for people."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def choose_face(photo: Photo, index: int) -> Photo:
    """The host says face `index` of an ambiguous photo is this person: it is enrolled as if
    it had been alone in the photo, and the other faces' crops are deleted."""
    candidates = list(photo.candidates)
    if not photo.awaits_choice:
        raise ChoiceRefused(409, "This photo has no faces to choose from.")
    if not 0 <= index < len(candidates):
        raise ChoiceRefused(400, f"Choose a face from 0 to {len(candidates) - 1}.")
    chosen = candidates[index]
    with transaction.atomic():
        updated = Photo.objects.filter(
            pk=photo.pk,
            reason=Photo.Reason.CHOOSE_FACE,
            thumbnail="",  # not chosen yet
        ).update(
            status=Photo.Status.ACCEPTED,
            reason="",
            message="",
            warnings=["chosen by hand"],
            embedding=base64.b64decode(chosen["embedding"]),
            thumbnail=chosen["thumbnail"],
            face_box=chosen["box"],
            candidates=[],
        )
        if not updated:  # chosen or deleted meanwhile
            raise ChoiceRefused(409, "This photo has no faces to choose from.")
        storage = Photo._meta.get_field("thumbnail").storage
        for other in candidates:
            if other is not chosen:
                transaction.on_commit(partial(storage.delete, other["thumbnail"]))
        announce(photo.person.owner_id)
    photo.refresh_from_db()
    return photo


def _embedding_bytes(embedding: np.ndarray) -> bytes:
    return np.asarray(embedding, dtype="<f4").reshape(EMBEDDING_SIZE).tobytes()


def face_thumbnail(crop_bgr: np.ndarray) -> bytes:
    height, width = crop_bgr.shape[:2]
    scale = THUMBNAIL_PX / max(height, width)
    if scale < 1:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        crop_bgr = cv2.resize(crop_bgr, size, interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", crop_bgr, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return jpeg.tobytes()


def _finish(
    photo: Photo,
    status: str,
    reason: str = "",
    message: str = "",
    *,
    embedding: bytes | None = None,
    thumbnail: bytes | None = None,
    warnings: list[str] | None = None,
    face_box: list[int] | None = None,
    candidates: list[dict] | None = None,
) -> bool:
    """Store the result; the row may have been deleted meanwhile, then leave nothing behind
    (False)."""
    storage = Photo._meta.get_field("thumbnail").storage
    thumb_name = ""
    if thumbnail is not None:
        thumb_name = storage.save(thumbnail_path(photo, "face.jpg"), ContentFile(thumbnail))
    keep = type(photo.person).objects.filter(pk=photo.person_id, keep_photos=True).exists()
    fields = dict(
        status=status,
        reason=reason,
        message=message[:300],
        warnings=warnings or [],
        embedding=embedding,
        thumbnail=thumb_name,
        face_box=face_box,
        candidates=candidates or [],
        processed_at=timezone.now(),
    )
    if not keep:
        fields["original"] = ""
    updated = Photo.objects.filter(pk=photo.pk, status=Photo.Status.PENDING).update(**fields)
    if not updated:
        if thumb_name:
            storage.delete(thumb_name)
        return False
    if not keep and photo.original.name:
        photo.original.storage.delete(photo.original.name)
    if status == Photo.Status.ACCEPTED:
        announce(photo.person.owner_id)
    return True


def requeue_pending() -> int:
    """Queue again what a stopped process left pending (the thread pool forgets on exit)."""
    stale = timezone.now() - STALE_CLAIM
    ids = list(
        Photo.objects.filter(status=Photo.Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .values_list("pk", flat=True)
    )
    queue_enrolment(ids)
    return len(ids)


def queue_enrolment(photo_ids: list[int]) -> None:
    """Queue each photo's enrolment (after the commit that stored it: on_commit)."""
    tasks.start()  # a process that queues work also works on it (the embedded default)
    for pk in photo_ids:
        enrol.enqueue(pk)
