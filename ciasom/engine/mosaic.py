"""Covering faces: pixelate (default), blur or a solid box.

Courts have held that a weak mosaic still infringes portrait rights, so even the lightest
strength leaves at most 10 blocks across a face; strength 3 (default) leaves 6. A small face
keeps at most 4: blocks of 3 px are the size of its features after video compression, and
6 of them kept its outline (the live benchmark's judge matched 19-px faces so covered).
"""

from __future__ import annotations

import cv2
import numpy as np

from .geometry import Box, clip, enlarge
from .settings import Style

BLOCKS_ACROSS_FACE = {1: 10, 2: 8, 3: 6, 4: 5, 5: 4}
SMALL_FACE_PX = 32  # faces smaller than this (at any resolution) ...
SMALL_FACE_BLOCKS = 4  # ... keep at most this many blocks across
MIN_BLOCK_PX = 3
BOX_COLOUR = (48, 48, 48)


def cover(
    frame: np.ndarray, face: Box, style: Style = "pixelate", margin: float = 0.3, strength: int = 3
) -> tuple[int, int, int, int] | None:
    """Cover one face in place; returns the pixel area covered (None if off-frame)."""
    height, width = frame.shape[:2]
    x1, y1, x2, y2 = clip(enlarge(face, 1 + margin), width, height)
    if x2 <= x1 or y2 <= y1:
        return None
    region = frame[y1:y2, x1:x2]
    face_size = max(face[2] - face[0], face[3] - face[1], 1.0)
    blocks = BLOCKS_ACROSS_FACE[strength]
    if face_size < SMALL_FACE_PX:
        blocks = min(blocks, SMALL_FACE_BLOCKS)
    block = max(MIN_BLOCK_PX, int(round(face_size / blocks)))
    if style == "pixelate":
        _pixelate(region, block)
    elif style == "blur":
        _blur(region, block)
    else:
        region[:] = BOX_COLOUR
    return x1, y1, x2, y2


def cover_whole_frame(frame: np.ndarray) -> np.ndarray:
    """The fail-closed frame (engine unsure, failed or behind): nothing in it can be
    recognised. Returns a new array.

    Blocks are sized so that even a face as tall as the frame keeps no more blocks than the
    strongest face mosaic leaves: never weaker than covering the faces one by one.
    """
    out = frame.copy()
    shorter = min(frame.shape[:2])
    _pixelate(out, max(MIN_BLOCK_PX, -(-shorter // min(BLOCKS_ACROSS_FACE.values()))))
    return out


def _pixelate(region: np.ndarray, block: int) -> None:
    h, w = region.shape[:2]
    small = cv2.resize(
        region, (max(1, -(-w // block)), max(1, -(-h // block))), interpolation=cv2.INTER_AREA
    )
    region[:] = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)


def _blur(region: np.ndarray, block: int) -> None:
    """A heavy blur done cheaply: shrink to block scale, smooth, grow back."""
    h, w = region.shape[:2]
    small = cv2.resize(
        region, (max(1, -(-w // block)), max(1, -(-h // block))), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (3, 3), 0)
    region[:] = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
