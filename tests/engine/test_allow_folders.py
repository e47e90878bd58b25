"""`--allow FOLDER` with real users' photos: an unusable photo is skipped with a warning;
the run fails only when none of the person's photos is usable."""

from __future__ import annotations

import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from bench.composite import two_shot
from bench.photos import photo
from ciasom.anonymize import UsageError, load_allowed


@pytest.fixture
def barack(tmp_path):
    """Two good photos of him, a street crowd, an ambiguous two-shot and a faceless image."""
    folder = tmp_path / "Barack"
    folder.mkdir()
    for name in ("obama.jpg", "obama3.jpg", "city.jpg"):
        shutil.copy(photo(name), folder / name)
    cv2.imwrite(str(folder / "two.jpg"), two_shot("obama.jpg", "biden.jpg"))
    cv2.imwrite(
        str(folder / "noise.png"),
        np.random.default_rng(1).integers(0, 255, (240, 320, 3), dtype=np.uint8),
    )
    return folder


def test_unusable_photos_are_skipped_with_a_warning(barack, capsys):
    gallery = load_allowed([barack])
    assert gallery.names == ["Barack"]
    assert len(gallery._embeddings[0]) == 2  # obama.jpg and obama3.jpg
    warnings = capsys.readouterr().err
    for skipped in ("city.jpg", "two.jpg", "noise.png"):
        assert f"{skipped} skipped" in warnings
    assert "choose the one that is this person" in warnings


def test_a_folder_without_a_usable_photo_fails(barack):
    for good in ("obama.jpg", "obama3.jpg"):
        (barack / good).unlink()
    with pytest.raises(UsageError, match="no usable photo of Barack"):
        load_allowed([barack])


def test_the_command_runs_on_with_the_usable_photos(barack, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "ciasom.cli",
            "anonymize",
            str(photo("obama2.jpg")),
            "-o",
            str(tmp_path / "out.jpg"),
            "--allow",
            str(barack),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "warning: --allow" in done.stderr and "city.jpg skipped" in done.stderr
    assert (tmp_path / "out.jpg").stat().st_size > 0
