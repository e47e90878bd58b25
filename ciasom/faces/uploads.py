"""Checking enrolment photo uploads before anything is stored.

Request-level problems (no file, more than 20, a file over 20 MB) refuse the whole
request and store nothing. A file that is not a usable image is recorded as a rejected
photo with its reason, so the uploader sees a result for every file they dropped.
The type is sniffed from the bytes, never taken from the name or the browser's claim.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

import ciasom.engine.photo  # noqa: F401 — lets Pillow open HEIC, for the header checks below
from ciasom.faces import quotas
from ciasom.faces.enrol import queue_enrolment
from ciasom.faces.models import Person, Photo

log = logging.getLogger(__name__)

SIGNATURES: list[tuple[int, bytes, str]] = [
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (8, b"WEBP", "image/webp"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
]
HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")
AVIF_BRANDS = (b"avif", b"avis")


class UploadRefused(Exception):
    """The whole request is refused; nothing was stored."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Inspection:
    content_type: str
    reason: str = ""  # empty: looks usable; else a Photo.Reason
    message: str = ""


def sniff(head: bytes) -> str | None:
    for offset, magic, content_type in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            if content_type == "image/webp" and not head.startswith(b"RIFF"):
                continue
            return content_type
    if head[4:8] == b"ftyp" and head[8:12] in AVIF_BRANDS:
        return "image/avif"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heif"
    return None


def inspect(upload: UploadedFile) -> Inspection:
    """Type from the content, size from the header: cheap enough for the request thread."""
    upload.seek(0)
    content_type = sniff(upload.read(32)) or ""
    upload.seek(0)
    if not content_type:
        return Inspection(
            "",
            Photo.Reason.UNREADABLE,
            _("Not an image (JPEG, PNG, HEIC, AVIF, WebP, GIF, BMP or TIFF)."),
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        return Inspection(content_type, Photo.Reason.TOO_LARGE, _("The image has too many pixels."))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return Inspection(
            content_type, Photo.Reason.UNREADABLE, _("The file is damaged or not a readable image.")
        )
    finally:
        upload.seek(0)
    if width * height > settings.CIASOM_MAX_PHOTO_PIXELS:
        return Inspection(
            content_type,
            Photo.Reason.TOO_LARGE,
            _("The image is %(w)dx%(h)d pixels; at most %(mp)d megapixels are accepted.")
            % {"w": width, "h": height, "mp": settings.CIASOM_MAX_PHOTO_PIXELS // 1_000_000},
        )
    return Inspection(content_type)


def check_request(person: Person, files: list[UploadedFile]) -> None:
    limit = settings.CIASOM_MAX_PHOTOS_PER_PERSON
    if not files:
        raise UploadRefused(_("Choose at least one photo (form field “photos”)."))
    if len(files) > limit:
        raise UploadRefused(_("At most %(n)d photos per upload.") % {"n": limit})
    max_mb = settings.CIASOM_MAX_PHOTO_BYTES // (1024 * 1024)
    for f in files:
        if (f.size or 0) > settings.CIASOM_MAX_PHOTO_BYTES:
            raise UploadRefused(
                _("“%(name)s” is larger than %(mb)d MB.") % {"name": f.name, "mb": max_mb},
                status=413,
            )
    kept = person.photos.exclude(status=Photo.Status.REJECTED).count()
    if kept + len(files) > limit:
        raise UploadRefused(
            _(
                "A person can have at most %(n)d photos; %(kept)d are already enrolled. "
                "Delete some first."
            )
            % {"n": limit, "kept": kept}
        )
    quotas.check_new_photos(person.owner_id, files)


def store_uploads(person: Person, files: list[UploadedFile]) -> list[Photo]:
    """Record every file (pending, or rejected with its reason) and queue enrolment.

    All or nothing: if anything fails, no row stays and no file stays on disk.
    UploadRefused or quotas.QuotaExceeded when the request cannot be taken.
    """
    photos: list[Photo] = []
    written: list[str] = []
    try:
        with transaction.atomic():
            check_request(person, files)
            for upload in files:
                found = inspect(upload)
                photo = Photo(
                    person=person,
                    original_name=(upload.name or "")[-200:],
                    content_type=found.content_type,
                    size=upload.size or 0,
                )
                if found.reason:
                    photo.status = Photo.Status.REJECTED
                    photo.reason = found.reason
                    photo.message = found.message
                    photo.save()
                else:
                    photo.save()  # the id first: the stored file name needs person_id only
                    photo.original.save("original", upload, save=True)
                    written.append(str(photo.original.name))
                photos.append(photo)
            pending = [p.pk for p in photos if p.status == Photo.Status.PENDING]
            transaction.on_commit(partial(queue_enrolment, pending))
    except BaseException:
        storage = Photo._meta.get_field("original").storage
        for name in written:
            storage.delete(name)
        raise
    return photos
