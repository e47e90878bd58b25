"""`ciasom anonymize`: the live engine, run over a video or image file.

Every input frame comes out, in order, with its timestamp (variable frame rates too), so
audio — copied untouched — stays in sync. Faces are covered exactly as in a broadcast, with
the same look-ahead as the privacy delay (`LOOKAHEAD`): a face found late is covered back
to its first frame.
"""

from __future__ import annotations

import json
import sys
import time
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import av
import cv2
import numpy as np
from tqdm import tqdm

from .engine.enrolment import EnrolmentError, enrol_photo
from .engine.gallery import Gallery
from .engine.photo import PhotoError, read_photo
from .engine.pipeline import FrameResult, PrivacyEngine
from .engine.settings import EngineSettings

LOOKAHEAD = 1.0  # s of later frames analysed before a frame is covered and written

# A file's display rotation (degrees counter-clockwise, as FFmpeg gives it) -> the turn that
# makes its pictures upright.
UPRIGHT = {
    90: cv2.ROTATE_90_COUNTERCLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_CLOCKWISE,
}
IMAGE_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".heic",
    ".heif",
    ".avif",
    ".webp",
    ".bmp",
    ".tif",
    ".tiff",
}
VIDEO_CODECS = {
    ".webm": "libvpx-vp9",
    ".mkv": "libx264",
    ".mp4": "libx264",
    ".mov": "libx264",
    ".avi": "libx264",
}


class UsageError(Exception):
    """A problem with what the user asked for; printed as one clear line, exit status 2."""


@dataclass
class Options:
    input: Path
    output: Path
    allow: list[Path]
    settings: EngineSettings
    report: Path | None = None
    threads: int = 1
    progress: bool = True


def run(options: Options) -> dict[str, Any]:
    """Anonymize one file; returns the report (also written when `options.report` is set)."""
    if not options.input.is_file():
        raise UsageError(f"{options.input}: no such file")
    if options.output.resolve() == options.input.resolve():
        raise UsageError(f"{options.output}: the output would overwrite the input")
    # Checked before the work, not found missing after it.
    for written in (options.output, options.report):
        if written is not None and not written.resolve().parent.is_dir():
            raise UsageError(f"{written}: no such folder {written.parent}")
    gallery = load_allowed(options.allow)
    engine = PrivacyEngine(options.settings, gallery, threads=options.threads, lookahead=LOOKAHEAD)
    if options.input.suffix.lower() in IMAGE_SUFFIXES:
        report = _image(engine, options)
    else:
        report = _video(engine, options)
    if options.report:
        options.report.write_text(json.dumps(report, indent=1))
    return report


def load_allowed(paths: list[Path]) -> Gallery:
    """One allowed person per path: a photo (named by its file) or a folder of photos."""
    people: dict[str, np.ndarray] = {}
    for path in paths:
        if path.is_dir():
            photos = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            if not photos:
                raise UsageError(
                    f"--allow {path}: the folder has no photos "
                    f"({', '.join(sorted(IMAGE_SUFFIXES))})"
                )
            name = path.name
        elif path.is_file():
            photos, name = [path], path.stem
        else:
            raise UsageError(f"--allow {path}: no such file or folder")
        embeddings = []
        for photo in photos:
            try:
                enrolment = enrol_photo(read_photo(photo.read_bytes()), str(photo))
            except (PhotoError, EnrolmentError) as error:
                # One bad photo in a folder (a crowd, a blur) must not cost the whole run;
                # a person with no usable photo at all would be covered, so that fails.
                print(
                    f"ciasom anonymize: warning: --allow {photo} skipped: {error.message}",
                    file=sys.stderr,
                )
                continue
            for note in enrolment.warnings:
                print(f"ciasom anonymize: note: --allow {photo}: {note}", file=sys.stderr)
            embeddings.append(enrolment.embedding)
        if not embeddings:
            raise UsageError(f"--allow {path}: no usable photo of {name} ({len(photos)} tried)")
        people[name] = np.stack(embeddings)
    return Gallery(people)


def _image(engine: PrivacyEngine, options: Options) -> dict[str, Any]:
    try:
        frame = read_photo(options.input.read_bytes())
    except PhotoError as error:
        raise UsageError(f"{options.input}: {error.message}") from error
    start = time.perf_counter()
    result = engine.process(frame, 0.0)
    elapsed = (time.perf_counter() - start) * 1000
    if not cv2.imwrite(str(options.output), result.frame):
        raise UsageError(f"{options.output}: cannot write an image with this file name")
    height, width = frame.shape[:2]
    return _report(width, height, 0.0, [_frame_entry(0, result)], [elapsed])


def _video(engine: PrivacyEngine, options: Options) -> dict[str, Any]:
    try:
        source = av.open(str(options.input))
    except av.FFmpegError as error:
        raise UsageError(f"{options.input}: not a video or image we can read ({error})") from error
    with source:
        if not source.streams.video:
            raise UsageError(f"{options.input}: the file has no video stream")
        video_in = source.streams.video[0]
        video_in.thread_type = "AUTO"
        audio_in = source.streams.audio[0] if source.streams.audio else None
        codec = VIDEO_CODECS.get(options.output.suffix.lower())
        if codec is None:
            raise UsageError(f"{options.output}: use one of {', '.join(sorted(VIDEO_CODECS))}")
        rate = video_in.average_rate or video_in.guessed_rate or Fraction(30)
        total = video_in.frames or None
        rotation = _display_rotation(options.input)
        turn = UPRIGHT.get(rotation)
        width, height = video_in.codec_context.width, video_in.codec_context.height
        if rotation in (90, 270):
            width, height = height, width
        # 4:2:0 needs even sides: an odd one gets its last row or column repeated.
        pad_bottom, pad_right = height % 2, width % 2
        entries: list[dict[str, Any]] = []
        times: list[float] = []
        with av.open(str(options.output), "w") as sink:
            video_out = cast(av.VideoStream, sink.add_stream(codec, rate=rate))
            video_out.width, video_out.height = width + pad_right, height + pad_bottom
            video_out.pix_fmt = "yuv420p"
            video_out.time_base = video_in.time_base
            # Near-lossless: a face left visible must look exactly as filmed.
            video_out.options = (
                {"crf": "18", "preset": "veryfast"}
                if codec == "libx264"
                else {"crf": "20", "b:v": "0", "row-mt": "1"}
            )
            audio = KeptAudio(sink, audio_in) if audio_in else None
            streams = [video_in] + ([audio_in] if audio_in else [])
            progress = tqdm(
                total=total, unit="frame", disable=not options.progress, desc=options.input.name
            )
            stamps: deque[tuple[int | None, Fraction | None]] = deque()
            last_at = -1.0

            def write(results: list[FrameResult]) -> None:
                for result in results:
                    entries.append(_frame_entry(len(entries), result))
                    picture: np.ndarray = cv2.copyMakeBorder(
                        result.frame, 0, pad_bottom, 0, pad_right, cv2.BORDER_REPLICATE
                    )
                    out = av.VideoFrame.from_ndarray(picture, format="bgr24")
                    out.pts, out.time_base = stamps.popleft()
                    sink.mux(video_out.encode(out))
                    progress.update(1)

            for packet in source.demux(*streams):
                if packet.stream is audio_in:
                    if audio is not None:
                        audio.keep(packet)
                    continue
                for decoded in packet.decode():
                    frame = cast(av.VideoFrame, decoded)  # audio packets went above
                    image: np.ndarray = frame.to_ndarray(format="bgr24")
                    if turn is not None:
                        image = cv2.rotate(image, turn)
                    # Strictly increasing seconds, even where the file has no timestamps.
                    at = max(float(frame.time or 0.0), last_at + 1e-3)
                    last_at = at
                    stamps.append((frame.pts, frame.time_base))
                    start = time.perf_counter()
                    ready = engine.push(image, at)
                    times.append((time.perf_counter() - start) * 1000)
                    write(ready)
            write(engine.flush())
            sink.mux(video_out.encode())
            if audio is not None:
                audio.close()
            progress.close()
    return _report(width, height, float(rate), entries, times)


class KeptAudio:
    """The input's audio in the output: copied packet for packet where the output's
    container can carry its codec, else re-encoded (AAC into WebM becomes Opus)."""

    ENCODERS = ("libopus", "aac")  # tried in turn when the codec cannot be copied

    def __init__(self, sink: av.container.OutputContainer, source: av.AudioStream) -> None:
        self.sink = sink
        self.copying = True
        try:
            self.stream = sink.add_stream_from_template(source)
        except ValueError:
            self.copying = False
            self.stream = self._encoder(sink, source)

    def keep(self, packet: av.Packet) -> None:
        if self.copying:
            if packet.dts is not None:
                packet.stream = self.stream
                self.sink.mux(packet)
            return
        for frame in packet.decode():
            self.sink.mux(self.stream.encode(cast(av.AudioFrame, frame)))

    def close(self) -> None:
        if not self.copying:
            self.sink.mux(self.stream.encode(None))

    def _encoder(
        self, sink: av.container.OutputContainer, source: av.AudioStream
    ) -> av.AudioStream:
        for name in self.ENCODERS:
            try:
                stream = cast(av.AudioStream, sink.add_stream(name, rate=48000))
            except ValueError:
                continue
            stream.layout = "stereo" if source.codec_context.channels > 1 else "mono"
            return stream
        raise UsageError(f"cannot keep the {source.codec_context.name} audio in this container")


def _display_rotation(path: Path) -> int:
    """How the file's first picture is to be turned for display, in degrees.

    Phones store portrait video lying on its side, with a display rotation that players
    apply. The engine must see faces upright (a face on its side is often not found), and
    the output is written upright, without a rotation, so it plays as it did."""
    with av.open(str(path)) as probe:
        for frame in probe.decode(video=0):
            return round(frame.rotation) % 360
    return 0


def _frame_entry(index: int, result: FrameResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "index": index,
        "faces": [
            {
                "box": [round(v, 1) for v in face.box],
                "mosaic": list(face.mosaic) if face.mosaic else None,
                "track": face.track,
                "person": face.person,
                "distance": round(face.distance, 3) if face.distance is not None else None,
            }
            for face in result.faces
        ],
    }
    if result.degraded:
        entry["degraded"] = result.degraded  # the whole frame was covered
    return entry


def _report(
    width: int, height: int, fps: float, entries: list[dict[str, Any]], times: list[float]
) -> dict[str, Any]:
    return {
        "video": {"width": width, "height": height, "fps": round(fps, 3), "frames": len(entries)},
        "frames": entries,
        "timing": {
            "ms_per_frame_p50": round(float(np.percentile(times, 50)), 2) if times else None,
            "ms_per_frame_p95": round(float(np.percentile(times, 95)), 2) if times else None,
            "frames_per_second": round(1000 / float(np.mean(times)), 2) if times else None,
        },
    }


def main_error(message: str) -> int:
    print(f"ciasom anonymize: error: {message}", file=sys.stderr)
    return 2
