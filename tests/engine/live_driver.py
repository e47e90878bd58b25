"""Drives a LiveEngine the way the media path does, but deterministically."""

from __future__ import annotations

import time

from ciasom.engine.live import LiveEngine

FPS = 30
DELAY = 0.5  # s, the privacy delay the tests run with
DELAY_FRAMES = int(DELAY * FPS)


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def run_live(engine: LiveEngine, frames, analyse_every: int = 2):
    """Submit frames (each `analyse_every`-th is analysed before the next arrives, as under
    load); render each one DELAY_FRAMES later, as the delay line does. Returns the outputs
    of every frame rendered, in order."""
    out, waiting, analysed = [], [], 0
    for index, (image, at) in enumerate(frames):
        if index % analyse_every == 0:
            engine.submit(image, at)
            analysed += 1
            wait_until(
                lambda n=analysed: engine.stats()["analysed"] + engine.stats()["errors"] >= n
            )
        waiting.append((image, at))
        if len(waiting) > DELAY_FRAMES:
            image, at = waiting.pop(0)
            out.append(engine.render(image, at))
    return out
