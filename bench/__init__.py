"""The development harness: benchmarks, scenes with ground truth, sample photos.

Never part of the installed product (``pyproject.toml`` packages ``ciasom*`` only); tests and
``make`` targets import it from the checkout (pytest's ``pythonpath``, ``python -m bench.…``).

* :mod:`bench.photos` — real face photos from registry packages (``make photos``);
* :mod:`bench.scene` — a scene with exact per-pixel ground truth; :mod:`bench.coverage`
  judges an output against it; :mod:`bench.footage` — the small looping camera for the
  browser and end-to-end tests;
* :mod:`bench.stamp` — the frame-index bar code both footages carry;
* :mod:`bench.passthrough` — a frame processor that covers nothing (relay cost, tests);
* :mod:`bench.engine` (``make bench``) and :mod:`bench.live` (``make bench-live``).
"""
