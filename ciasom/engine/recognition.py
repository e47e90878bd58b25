"""Recognising a track: embed its face and compare with the broadcast's allowed people."""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .gallery import Gallery
from .geometry import Box, clip, enlarge
from .tracker import Look, Track

KEEP_LOOKS = 8
LOG_EVERY = 100  # failed looks: the first and every hundredth are logged

logger = logging.getLogger(__name__)
_failures = itertools.count()


@dataclass(frozen=True)
class FaceCrop:
    """What a look needs, cut out of the frame so the frame itself can be released."""

    track_id: int
    epoch: int
    at: float
    image: np.ndarray
    box: Box  # the face inside `image`


def crop_for_look(frame: np.ndarray, track: Track, at: float) -> FaceCrop:
    height, width = frame.shape[:2]
    x1, y1, x2, y2 = clip(enlarge(track.box, 1.6), width, height)
    b = track.box
    return FaceCrop(
        track.id,
        track.epoch,
        at,
        frame[y1:y2, x1:x2].copy(),
        (b[0] - x1, b[1] - y1, b[2] - x1, b[3] - y1),
    )


class Embedder(Protocol):
    """What a look needs: :class:`~ciasom.engine.embedder.FaceEmbedder`, in this process or
    in a worker (``EmbedderProcess``)."""

    def embed(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray: ...


def look(embedder: Embedder, gallery: Gallery, crop: FaceCrop) -> Look:
    """A failed embedding is a look that matched nobody: the face stays covered."""
    try:
        match = gallery.match(embedder.embed(crop.image, crop.box))
    except Exception:  # fail closed, whatever dlib raised
        failed = next(_failures)
        if failed % LOG_EVERY == 0:
            logger.exception("a look failed (%d so far); the face stays covered", failed + 1)
        return Look(crop.at, None, None)
    return Look(crop.at, match.person, match.distance)


def record(track: Track, crop: FaceCrop, result: Look) -> bool:
    """Add a look unless the track's identity was forgotten since the crop was taken."""
    if track.id != crop.track_id or track.epoch != crop.epoch:
        return False
    track.looks.append(result)
    del track.looks[:-KEEP_LOOKS]
    return True
