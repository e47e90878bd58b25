"""A frame's index as a bar code along its bottom edge, so a received frame finds its truth.

16 cells: 10 bits of index and 6 of check, so a frame whose code was smeared (by video
coding or scaling) reads as ``None`` rather than as some other frame. The cells are wide
(width / 16) and the bar :data:`CODE_HEIGHT` px tall, so they survive VP8/H.264 and scaling.
"""

from __future__ import annotations

import numpy as np

BITS = 16  # 10 bits of frame index, 6 bits of check
CODE_HEIGHT = 24  # px at the source size


def stamp(image: np.ndarray, index: int) -> None:
    """Draw ``index`` (0–1023) into the bottom :data:`CODE_HEIGHT` rows of ``image``."""
    word = index | ((index * 37 % 64) << 10)
    width = image.shape[1]
    cell = width // BITS
    for bit in range(BITS):
        image[-CODE_HEIGHT:, bit * cell : (bit + 1) * cell] = 255 if (word >> bit) & 1 else 0


def read_stamp(image: np.ndarray, source_height: int | None = None) -> int | None:
    """The index stamped into ``image`` (maybe re-encoded or scaled), or None if unreadable.

    ``source_height``: the height it was stamped at, when ``image`` was scaled since.
    """
    height = image.shape[0]
    band = CODE_HEIGHT if source_height is None else CODE_HEIGHT * height / source_height
    row = image[height - int(band // 2)].mean(axis=1)
    cell = image.shape[1] / BITS
    word = sum(1 << b for b in range(BITS) if row[int((b + 0.5) * cell)] > 128)
    index = word & 0x3FF
    return index if word >> 10 == index * 37 % 64 else None
