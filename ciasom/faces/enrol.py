"""The background task that turns an uploaded photo into an embedding and a face crop.

Runs in a task-runner thread, never in a request. The engine (detector + dlib ResNet,
0.1-0.5 s per photo) is imported lazily so web processes that never enrol stay light.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import cv2
import numpy as np
from django.core.files.base import ContentFile
from django.db.models import Q
from django.utils import timezone

from ciasom import tasks
from ciasom.engine.gallery import EMBEDDING_SIZE
from ciasom.faces.models import Photo
from ciasom.faces.signals import announce

log = logging.getLogger(__name__)

THUMBNAIL_PX = 160
# A photo claimed this long ago by a worker that died is claimed again at start-up.
STALE_CLAIM = timedelta(minutes=10)


@tasks.task("faces.enrol_photo")
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
            status=Photo.Status.REJECTED, reason="error",
            message="The photo could not be processed.", processed_at=timezone.now())
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

    from ciasom.engine.enrolment import EnrolmentError, enrol_photo
    from ciasom.engine.photo import PhotoError, read_photo

    try:
        result = enrol_photo(read_photo(data))
    except (PhotoError, EnrolmentError) as error:
        _finish(photo, Photo.Status.REJECTED, error.code, error.message)
    except Exception:
        log.exception("enrolment of photo %s failed", photo_id)
        _finish(photo, Photo.Status.REJECTED, "error", "The photo could not be processed.")
    else:
        embedding = np.asarray(result.embedding, dtype="<f4").reshape(EMBEDDING_SIZE)
        _finish(
            photo,
            Photo.Status.ACCEPTED,
            embedding=embedding.tobytes(),
            thumbnail=face_thumbnail(result.crop),
            warnings=list(result.warnings),
            face_box=[int(v) for v in result.box],
        )


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


def _finish(photo: Photo, status: str, reason: str = "", message: str = "", *,
            embedding: bytes | None = None, thumbnail: bytes | None = None,
            warnings: list[str] | None = None, face_box: list[int] | None = None) -> None:
    """Store the result; the row may have been deleted meanwhile, then leave nothing behind."""
    storage = Photo._meta.get_field("thumbnail").storage
    thumb_name = ""
    if thumbnail is not None:
        thumb_name = storage.save(Photo.thumbnail.field.upload_to(photo, "face.jpg"),
                                  ContentFile(thumbnail))
    keep = type(photo.person).objects.filter(pk=photo.person_id, keep_photos=True).exists()
    fields = dict(status=status, reason=reason, message=message[:300], warnings=warnings or [],
                  embedding=embedding, thumbnail=thumb_name, face_box=face_box,
                  processed_at=timezone.now())
    if not keep:
        fields["original"] = ""
    updated = Photo.objects.filter(pk=photo.pk, status=Photo.Status.PENDING).update(**fields)
    if not updated:
        if thumb_name:
            storage.delete(thumb_name)
        return
    if not keep and photo.original:
        photo.original.storage.delete(photo.original.name)
    if status == Photo.Status.ACCEPTED:
        announce(photo.person.owner_id)


def requeue_pending() -> int:
    """Queue again what a stopped process left pending (the thread pool forgets on exit)."""
    stale = timezone.now() - STALE_CLAIM
    ids = list(
        Photo.objects.filter(status=Photo.Status.PENDING)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale))
        .values_list("pk", flat=True)
    )
    for pk in ids:
        tasks.submit("faces.enrol_photo", pk)
    return len(ids)
