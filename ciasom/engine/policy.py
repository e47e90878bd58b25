"""The privacy decision: is this face shown, or covered? (DESIGN.md §1)

A face is shown only when the host chose `except` mode and its track has been matched to
one allowed person, clearly, on several recent, separate looks. Everything else is
covered: unknown, unsure, new, too small to identify, missed by the detector (its
predicted box is covered), or any face while the engine is degraded.
"""

from __future__ import annotations

from dataclasses import dataclass

from .gallery import MATCH_DISTANCE
from .geometry import Box
from .settings import Mode
from .tracker import Look, Track

LOOKS_TO_SHOW = 2  # hysteresis: agreeing looks before a face is un-mosaicked
LOOK_SPACING = 0.15  # seconds; closer looks see the same pixels and count as one
REVERIFY_EVERY = 2.0  # seconds between re-verifications of a shown face
FRESH_FOR = 3.0  # seconds a match stays valid: one late re-verification is tolerated
UNSURE_RECHECK = (0.3, 0.6, 1.2, 2.4)  # s; a face near the threshold may be an allowed person
NEAR_MISS_DISTANCE = 0.55  # a look just outside the match threshold (dlib same-person p95 0.51)
STRANGER_DISTANCE = 0.66  # beyond this (p1 of different people) a face is nobody allowed ...
STRANGER_RECHECK = (3.0, 6.0, 12.0)  # ... and is re-checked less and less often (90 ms a look)
MIN_FACE_PX = 40  # smaller faces cannot be identified reliably, so they stay covered


def too_small(box: Box) -> bool:
    """Too small to identify (under :data:`MIN_FACE_PX` either way): it stays covered."""
    return min(box[2] - box[0], box[3] - box[1]) < MIN_FACE_PX


@dataclass(frozen=True)
class Decision:
    visible: bool
    person: str | None
    reason: str


def decide(mode: Mode, track: Track, at: float, *, coasting: bool, degraded: bool) -> Decision:
    if mode == "off":
        return Decision(True, None, "mosaic is off for this broadcast")
    if degraded:
        return Decision(False, None, "engine degraded")
    if mode == "all":
        return Decision(False, None, "every face is covered")
    if coasting:
        return Decision(False, None, "detector missed it; covering its predicted box")
    if at < track.identity_since:
        return Decision(False, None, "may have been another face then")
    if too_small(track.box):
        return Decision(False, None, "too small to identify")
    # A frame waiting in the privacy delay line is shown when the looks since verify the
    # track (what the delay buys), or when the looks as they stood at its time did (what a
    # live engine without the delay would have shown): a later near miss of an unbroken
    # track says nothing new about this frame.
    person = verified_person(track.looks, at) or verified_person(
        [look for look in track.looks if look.at <= at], at
    )
    if person is None:
        return Decision(False, None, "not verified as an allowed person")
    return Decision(True, person, "verified allowed person")


def verified_person(looks: list[Look], at: float) -> str | None:
    """The person the newest looks agree on, if enough of them, fresh enough, do.

    Evidence accumulates along a track: the tracker vouches that its looks are of one face,
    so a single newest look that only just missed (blur, a turn, harsh light: within
    `NEAR_MISS_DISTANCE`) does not undo agreeing looks before it; the face is looked at
    again at once (`needs_look`), and a second miss in a row covers it.
    """
    if looks and _near_miss(looks[-1]) and len(looks) > 1:
        looks = looks[:-1]
    if not looks or looks[-1].person is None or at - looks[-1].at > FRESH_FOR:
        return None
    person = looks[-1].person
    agreeing, last_counted = 0, None
    for look in reversed(looks):
        if look.person != person:
            break
        if last_counted is None or last_counted - look.at >= LOOK_SPACING:
            agreeing += 1
            last_counted = look.at
    return person if agreeing >= LOOKS_TO_SHOW else None


def _near_miss(look: Look) -> bool:
    return (
        look.person is None
        and look.distance is not None
        and MATCH_DISTANCE < look.distance <= NEAR_MISS_DISTANCE
    )


def needs_look(track: Track, at: float) -> bool:
    """When the recogniser should look at this track again (identities are not per frame).

    A face that matched somebody is looked at again soon, to build the agreeing looks the
    policy needs; a shown face is re-verified regularly; a face that matched nobody is
    re-checked less and less often, clear strangers least (it stays covered meanwhile, so
    waiting costs no privacy, only a late un-mosaic of a badly seen allowed person).
    """
    if track.crowded:
        return False  # a look now might be of the face in front; wait until they part
    if too_small(track.box):
        return False
    if not track.looks:
        return True
    last = track.looks[-1]
    if last.person is not None:
        wait = LOOK_SPACING if verified_person(track.looks, at) is None else REVERIFY_EVERY
    elif _near_miss(last) and verified_person(track.looks, at) is not None:
        wait = LOOK_SPACING  # shown on the strength of earlier looks: confirm it at once
    else:
        misses = 0
        for earlier in reversed(track.looks):
            if earlier.person is not None:
                break
            misses += 1
        # A face that ever matched an allowed person (now turned away, say) is never written
        # off as a stranger: it may turn back any moment.
        stranger = (last.distance or 0.0) >= STRANGER_DISTANCE and not any(
            earlier.person for earlier in track.looks
        )
        backoff = STRANGER_RECHECK if stranger else UNSURE_RECHECK
        wait = backoff[min(misses, len(backoff)) - 1]
    return at - last.at >= wait
