"""The privacy decision, rule by rule (DESIGN.md §1)."""

from __future__ import annotations

from ciasom.engine import policy
from ciasom.engine.policy import decide, needs_look
from ciasom.engine.tracker import Look, Track

FACE = (100.0, 100.0, 200.0, 220.0)
TINY = (100.0, 100.0, 120.0, 124.0)


def track(*looks: Look, box=FACE) -> Track:
    return Track(id=1, box=box, seen_at=10.0, looks=list(looks))


def shown(t: Track, mode="except", at=10.0, coasting=False, degraded=False) -> bool:
    return decide(mode, t, at, coasting=coasting, degraded=degraded).visible


VERIFIED = track(Look(9.5, "me", 0.35), Look(9.8, "me", 0.38))


def test_a_face_verified_twice_clearly_is_shown_in_except_mode():
    decision = decide("except", VERIFIED, 10.0, coasting=False, degraded=False)
    assert decision.visible and decision.person == "me"


def test_mode_off_shows_every_face():
    assert shown(track(), mode="off")


def test_mode_all_covers_even_a_verified_face():
    assert not shown(VERIFIED, mode="all")


def test_a_degraded_engine_covers_even_a_verified_face():
    assert not shown(VERIFIED, degraded=True)


def test_a_face_the_detector_missed_is_covered_where_predicted():
    assert not shown(VERIFIED, coasting=True)


def test_a_face_too_small_to_identify_is_covered():
    small = track(Look(9.5, "me", 0.35), Look(9.8, "me", 0.38), box=TINY)
    assert not shown(small)


def test_a_face_seen_for_the_first_time_is_covered():
    assert not shown(track())


def test_one_matching_look_is_not_enough():
    assert not shown(track(Look(9.8, "me", 0.3)))


def test_two_looks_at_the_same_moment_count_as_one():
    assert not shown(track(Look(9.80, "me", 0.3), Look(9.85, "me", 0.3)))


def test_an_unknown_face_is_covered():
    assert not shown(track(Look(9.5, None, 0.8), Look(9.8, None, 0.8)))


def test_an_unsure_newest_look_covers_a_face_that_was_verified():
    assert not shown(track(Look(9.0, "me", 0.3), Look(9.4, "me", 0.3), Look(9.8, None, 0.58)))


def test_one_near_miss_does_not_undo_a_verified_track_but_is_checked_at_once():
    near = track(Look(9.0, "me", 0.3), Look(9.4, "me", 0.3), Look(9.8, None, 0.53))
    assert shown(near)
    assert needs_look(near, 9.8 + policy.LOOK_SPACING)


def test_two_near_misses_in_a_row_cover_the_face():
    assert not shown(
        track(
            Look(9.0, "me", 0.3), Look(9.4, "me", 0.3), Look(9.6, None, 0.53), Look(9.8, None, 0.53)
        )
    )


def test_a_near_miss_never_verifies_a_face_on_its_own():
    assert not shown(track(Look(9.4, "me", 0.3), Look(9.8, None, 0.52)))
    assert not shown(track(Look(9.4, None, 0.52), Look(9.8, None, 0.52)))


def test_looks_agreeing_on_different_people_do_not_add_up():
    assert not shown(track(Look(9.5, "crew", 0.3), Look(9.8, "me", 0.3)))


def test_a_match_not_reverified_in_time_expires():
    assert not shown(VERIFIED, at=9.8 + policy.FRESH_FOR + 0.01)


def test_a_new_track_needs_a_look_and_a_tiny_one_never_gets_one():
    assert needs_look(track(), 10.0)
    assert not needs_look(track(box=TINY), 10.0)


def test_a_crowded_track_waits_for_the_faces_to_part():
    crowded = track()
    crowded.crowded = True
    assert not needs_look(crowded, 10.0)


def test_a_first_match_is_confirmed_soon():
    first = track(Look(9.9, "me", 0.3))
    assert not needs_look(first, 9.95)
    assert needs_look(first, 9.9 + policy.LOOK_SPACING)


def test_a_shown_face_is_reverified_periodically():
    assert not needs_look(VERIFIED, 9.8 + policy.REVERIFY_EVERY - 0.1)
    assert needs_look(VERIFIED, 9.8 + policy.REVERIFY_EVERY)


def test_clear_strangers_are_rechecked_less_and_less_often():
    far = policy.STRANGER_DISTANCE + 0.1
    once = track(Look(0.0, None, far))
    twice = track(Look(0.0, None, far), Look(2.0, None, far))
    assert needs_look(once, policy.STRANGER_RECHECK[0])
    assert not needs_look(twice, 2.0 + policy.STRANGER_RECHECK[0])
    assert needs_look(twice, 2.0 + policy.STRANGER_RECHECK[1])


def test_an_unsure_face_is_rechecked_sooner_than_a_clear_stranger():
    unsure = track(Look(0.0, None, 0.6))
    assert needs_look(unsure, policy.UNSURE_RECHECK[0])
    assert policy.UNSURE_RECHECK[0] < policy.STRANGER_RECHECK[0]


def test_a_face_that_matched_before_is_never_written_off_as_a_stranger():
    far = policy.STRANGER_DISTANCE + 0.1
    turned_away = track(Look(0.0, "me", 0.3), Look(1.0, None, far), Look(1.3, None, far))
    assert needs_look(turned_away, 1.3 + policy.UNSURE_RECHECK[1] + 1e-6)
    assert policy.UNSURE_RECHECK[1] < policy.STRANGER_RECHECK[0]
