"""Where enrolment photos and face crops are kept: outside MEDIA_ROOT, so no URL maps to
them; only owner-checked views read them."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """FileSystemStorage rooted at settings.PRIVATE_ROOT, read on every use (so tests and
    deployments that move the data dir need no restart of the storage object)."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]  # no URL at all, not an empty one
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL")
