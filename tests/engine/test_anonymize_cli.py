"""`ciasom anonymize` on a real video file, as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import av
import numpy as np
import pytest

from bench.coverage import CoverageTally
from bench.photos import photo
from bench.scene import ENROL_PHOTOS, Scene, write_video


def ciasom(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ciasom.cli", "anonymize", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip")
    scene = Scene(640, 360, seconds=2)
    write_video(scene, str(folder / "street.mp4"))
    allowed = folder / "obama"
    allowed.mkdir()
    for name in ENROL_PHOTOS:
        shutil.copy(photo(name), allowed / name)
    return scene, folder


def decoded(path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="bgr24") for f in container.decode(video=0)]


def test_the_allowed_person_stays_visible_and_everyone_else_is_pixelated(clip):
    scene, folder = clip
    done = ciasom(
        folder / "street.mp4",
        "-o",
        folder / "out.mp4",
        "--allow",
        folder / "obama",
        "--report",
        folder / "report.json",
    )
    assert done.returncode == 0, done.stderr
    assert_strangers_covered_and_obama_not(
        scene, decoded(folder / "street.mp4"), decoded(folder / "out.mp4")
    )


def assert_strangers_covered_and_obama_not(
    scene: Scene, before: list[np.ndarray], after: list[np.ndarray]
) -> None:
    assert len(after) == len(before) == scene.frames
    tally = CoverageTally(warmup_frames=30)
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        _, truth = scene.frame(i)
        # compare decoded with decoded: re-encoding alone changes pixels a little
        tally.add(i, b, a, [t for t in truth if not t.allowed])
        strong = np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 24
        tally_visible = [t for t in truth if t.allowed and t.visible_share > 0.9]
        for face in tally_visible:
            x1, y1, x2, y2 = face.box
            if i >= 30:
                assert strong[y1:y2, x1:x2][face.mask].mean() < 0.05, f"frame {i}"
    assert tally.leaked == 0


def test_a_phone_video_lying_on_its_side_is_examined_and_written_upright(clip, tmp_path):
    """Phones store portrait video turned a quarter, with a display rotation players undo:
    the engine must see the faces upright, and the output must play as the input did."""
    scene, folder = clip
    write_video(scene, str(tmp_path / "phone.mp4"), audio=False, lying_on_its_side=True)
    done = ciasom(
        tmp_path / "phone.mp4",
        "-o",
        tmp_path / "out.mp4",
        "--allow",
        folder / "obama",
        "--report",
        tmp_path / "report.json",
    )
    assert done.returncode == 0, done.stderr
    after = decoded(tmp_path / "out.mp4")
    assert after[0].shape[:2] == (scene.height, scene.width)
    with av.open(str(tmp_path / "out.mp4")) as written:
        assert next(written.decode(video=0)).rotation == 0
    report = json.loads((tmp_path / "report.json").read_text())["video"]
    assert (report["width"], report["height"]) == (scene.width, scene.height)
    assert_strangers_covered_and_obama_not(scene, decoded(folder / "street.mp4"), after)


def test_the_report_follows_the_contract(clip):
    scene, folder = clip
    report = json.loads((folder / "report.json").read_text())
    assert report["video"] == {"width": 640, "height": 360, "fps": 30.0, "frames": scene.frames}
    assert [f["index"] for f in report["frames"]] == list(range(scene.frames))
    faces = [face for f in report["frames"] for face in f["faces"]]
    assert {"box", "mosaic", "track", "person", "distance"} <= set(faces[0])
    assert any(face["person"] == "obama" and face["mosaic"] is None for face in faces)
    assert all(face["mosaic"] is not None for face in faces if face["person"] is None)
    assert set(report["timing"]) == {"ms_per_frame_p50", "ms_per_frame_p95", "frames_per_second"}


def test_audio_is_kept(clip):
    _, folder = clip
    with av.open(str(folder / "street.mp4")) as source, av.open(str(folder / "out.mp4")) as out:
        assert out.streams.audio and out.streams.audio[0].codec_context.name == "aac"
        kept = sum(1 for _ in out.demux(out.streams.audio[0]))
        sent = sum(1 for _ in source.demux(source.streams.audio[0]))
        assert kept == sent


def test_a_video_with_odd_sides_is_written_with_its_edge_repeated(clip, tmp_path):
    """H.264 in 4:2:0 needs even sides; 641x359 comes out 642x360, every picture whole."""
    _, folder = clip
    scene = Scene(641, 359, seconds=2)
    write_video(scene, str(tmp_path / "odd.mkv"), audio=False, codec="ffv1")
    done = ciasom(tmp_path / "odd.mkv", "-o", tmp_path / "out.mp4", "--allow", folder / "obama")
    assert done.returncode == 0, done.stderr
    after = decoded(tmp_path / "out.mp4")
    assert after[0].shape[:2] == (360, 642)
    assert_strangers_covered_and_obama_not(
        scene, decoded(tmp_path / "odd.mkv"), [a[:359, :641] for a in after]
    )


def test_audio_the_output_cannot_carry_as_it_is_is_re_encoded(clip, tmp_path):
    """WebM holds no AAC: the clip's AAC tone comes out as Opus, as long as it went in."""
    _, folder = clip
    done = ciasom(folder / "street.mp4", "-o", tmp_path / "out.webm", "--mode", "all")
    assert done.returncode == 0, done.stderr
    with av.open(str(folder / "street.mp4")) as source, av.open(str(tmp_path / "out.webm")) as out:
        (audio,) = out.streams.audio
        assert audio.codec_context.name == "opus"
        heard = sum(frame.samples for frame in out.decode(audio)) / audio.codec_context.sample_rate
        sent = sum(frame.samples for frame in source.decode(audio=0)) / 48000
        assert abs(heard - sent) < 0.05, (heard, sent)


def test_an_image_works_too(clip, tmp_path):
    done = ciasom(photo("biden.jpg"), "-o", tmp_path / "out.jpg", "--report", tmp_path / "r.json")
    assert done.returncode == 0, done.stderr
    (frame,) = json.loads((tmp_path / "r.json").read_text())["frames"]
    (face,) = frame["faces"]
    assert face["mosaic"] is not None


@pytest.mark.parametrize(
    "problem, expected",
    [
        ("unreadable", "not a video or image we can read"),
        ("empty-folder", "the folder has no photos"),
        ("no-face", "No face found"),
        ("missing", "no such file"),
        ("no-output-folder", "no such folder"),
        ("no-report-folder", "no such folder"),
        ("overwrite", "would overwrite the input"),
    ],
)
def test_clear_errors(clip, tmp_path, problem, expected):
    _, folder = clip
    source, allow = folder / "street.mp4", []
    if problem == "unreadable":
        source = tmp_path / "broken.mp4"
        source.write_bytes(b"\x00\x00\x00\x18ftypmp42 definitely not a video")
    elif problem == "empty-folder":
        (tmp_path / "crew").mkdir()
        allow = ["--allow", tmp_path / "crew"]
    elif problem == "no-face":
        import cv2

        suit = cv2.imread(str(photo("biden.jpg")))[1500:2100, 100:800]
        cv2.imwrite(str(tmp_path / "jacket.jpg"), suit)
        allow = ["--allow", tmp_path / "jacket.jpg"]
    elif problem == "missing":
        source = tmp_path / "nothing.mp4"
    output, report = tmp_path / "out.mp4", tmp_path / "report.json"
    if problem == "no-output-folder":
        output = tmp_path / "gone" / "out.mp4"
    elif problem == "no-report-folder":
        report = tmp_path / "gone" / "report.json"
    elif problem == "overwrite":
        shutil.copy(source, tmp_path / "mine.mp4")
        source = output = tmp_path / "mine.mp4"
    done = ciasom(source, "-o", output, "--report", report, *allow)
    assert done.returncode == 2
    assert expected in done.stderr and "Traceback" not in done.stderr
