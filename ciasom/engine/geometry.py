"""Boxes as (x1, y1, x2, y2) float tuples in frame pixels, and the few operations on them."""

from __future__ import annotations

import numpy as np

Box = tuple[float, float, float, float]


def area(box: Box) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def intersection(a: Box, b: Box) -> float:
    return area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def iou(a: Box, b: Box) -> float:
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


def iou_matrix(a: list[Box], b: list[Box]) -> np.ndarray:
    """Pairwise IoU, vectorised: the tracker calls this every frame."""
    if not a or not b:
        return np.zeros((len(a), len(b)), dtype=np.float32)
    aa = np.asarray(a, dtype=np.float32)[:, None, :]
    bb = np.asarray(b, dtype=np.float32)[None, :, :]
    w = np.clip(np.minimum(aa[..., 2], bb[..., 2]) - np.maximum(aa[..., 0], bb[..., 0]), 0, None)
    h = np.clip(np.minimum(aa[..., 3], bb[..., 3]) - np.maximum(aa[..., 1], bb[..., 1]), 0, None)
    inter = w * h
    area_a = (aa[..., 2] - aa[..., 0]) * (aa[..., 3] - aa[..., 1])
    area_b = (bb[..., 2] - bb[..., 0]) * (bb[..., 3] - bb[..., 1])
    ious: np.ndarray = inter / np.maximum(area_a + area_b - inter, 1e-6)
    return ious


def center(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def size(box: Box) -> tuple[float, float]:
    return (box[2] - box[0], box[3] - box[1])


def enlarge(box: Box, factor: float) -> Box:
    """Scale a box about its centre (factor 1.3 = 30 % larger each way)."""
    cx, cy = center(box)
    w, h = size(box)
    return (cx - w * factor / 2, cy - h * factor / 2, cx + w * factor / 2, cy + h * factor / 2)


def clip(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """Integer pixel box inside the frame; may be empty (x2 <= x1) when fully outside."""
    x1 = int(np.floor(min(max(box[0], 0), width)))
    y1 = int(np.floor(min(max(box[1], 0), height)))
    x2 = int(np.ceil(min(max(box[2], 0), width)))
    y2 = int(np.ceil(min(max(box[3], 0), height)))
    return x1, y1, x2, y2
