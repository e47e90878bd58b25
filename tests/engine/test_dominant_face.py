"""Real enrolment photos with someone else in them: a face that clearly dominates is used
(and the result says so); comparable faces are offered for the host to choose from."""

from __future__ import annotations

import numpy as np
import pytest

from bench.composite import face_box, interview_shot, read, two_shot, with_head
from ciasom.engine.enrolment import AmbiguousPhoto, enrol_photo
from ciasom.engine.geometry import iou


def distance(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


@pytest.mark.parametrize(
    ("host", "other"),
    [("obama.jpg", "biden.jpg"), ("biden.jpg", "obama2.jpg"), ("obama3.jpg", "astronaut.png")],
)
def test_an_interviewer_at_the_edge_is_ignored_and_the_result_says_so(host, other):
    enrolment = enrol_photo(interview_shot(host, other), "interview.jpg")
    assert enrolment.warnings[0] == "used the largest face; 1 other face ignored"
    assert iou(enrolment.box, face_box(read(host))) > 0.7  # the host's own face
    assert enrolment.crop.shape[0] > 100  # the crop the page shows beside the note


def test_a_defocused_person_behind_as_big_as_the_host_is_ignored():
    image = read("obama.jpg")
    x1, y1, x2, y2 = face_box(image)
    shot = with_head(image, "biden.jpg", (y2 - y1), ((y2 - y1) * 0.5, (y1 + y2) / 2), defocus=3)
    enrolment = enrol_photo(shot, "behind.jpg")
    assert "1 other face ignored" in enrolment.warnings[0]
    assert iou(enrolment.box, face_box(image)) > 0.7


def test_two_people_side_by_side_are_offered_to_choose_from():
    alone = enrol_photo(read("obama2.jpg"), "obama2.jpg").embedding
    with pytest.raises(AmbiguousPhoto) as ambiguous:
        enrol_photo(two_shot("obama.jpg", "biden.jpg"), "two.jpg")
    assert ambiguous.value.code == "choose_face"
    assert "choose the one that is this person" in ambiguous.value.message
    faces = ambiguous.value.faces
    assert len(faces) == 2 and all(f.crop.shape[0] > 100 for f in faces)
    # Each offered face carries its own description: exactly one of them is Obama.
    assert sorted(distance(f.embedding, alone) < 0.5 for f in faces) == [False, True]
