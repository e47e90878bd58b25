"""Face embeddings with dlib's ResNet (weights in `face-recognition-models`).

128-D descriptors; on this machine two photos of one person are ~0.39 apart (p95 0.51)
and different people at least 0.52 (DESIGN.md §5). Alignment uses dlib's 5-point shape
predictor on the detector's box. A descriptor costs ~90 ms of one core, so callers embed
per track, not per frame.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor

import cv2
import dlib
import face_recognition_models
import numpy as np

from .geometry import Box, enlarge


class FaceEmbedder:
    """Thread-safe: dlib's models are shared read-only, calls are serialised by a lock."""

    def __init__(self) -> None:
        self._landmarks = dlib.shape_predictor(
            face_recognition_models.pose_predictor_five_point_model_location()
        )
        self._resnet = dlib.face_recognition_model_v1(
            face_recognition_models.face_recognition_model_location()
        )
        self._lock = threading.Lock()

    def embed(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray:
        """Descriptor of the face in `box`. Only a crop around the face is converted."""
        height, width = frame_bgr.shape[:2]
        x1, y1, x2, y2 = (int(v) for v in enlarge(box, 1.6))
        x1, y1 = max(0, x1), max(0, y1)
        x2, y2 = min(width, x2), min(height, y2)
        crop = cv2.cvtColor(frame_bgr[y1:y2, x1:x2], cv2.COLOR_BGR2RGB)
        rect = dlib.rectangle(
            int(box[0]) - x1, int(box[1]) - y1, int(box[2]) - x1, int(box[3]) - y1
        )
        with self._lock:
            shape = self._landmarks(crop, rect)
            descriptor = self._resnet.compute_face_descriptor(crop, shape)
        return np.asarray(descriptor, dtype=np.float32)


class EmbedderProcess:
    """The same embedder in a child process, for callers that must keep the GIL free.

    dlib holds the GIL for the whole ~90 ms of a descriptor; in the live server that would
    stall the event loop and every stream with it. Crops are small, so shipping them to a
    child process costs well under a millisecond.
    """

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=context, initializer=_start_worker
        )

    def embed(self, frame_bgr: np.ndarray, box: Box) -> np.ndarray:
        return self._pool.submit(_embed_in_worker, frame_bgr, box).result()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


_worker_embedder: FaceEmbedder | None = None


def _start_worker() -> None:
    global _worker_embedder
    _worker_embedder = FaceEmbedder()


def _embed_in_worker(frame_bgr: np.ndarray, box: Box) -> np.ndarray:
    assert _worker_embedder is not None
    return _worker_embedder.embed(frame_bgr, box)
