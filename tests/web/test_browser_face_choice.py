"""A real Chromium on the person page: a photo of two people side by side shows both faces,
the host clicks the one that is this person, and the photo is enrolled with that face."""

from __future__ import annotations

import cv2
import pytest
from test_browser_enrolment import browser, server, shot  # noqa: F401 (fixtures)

from bench.composite import interview_shot, two_shot

pytestmark = pytest.mark.browser


def test_the_host_clicks_the_face_that_is_this_person(server, browser, tmp_path):  # noqa: F811
    base = server["base"]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base + "/accounts/signup/")
    page.fill("#id_username", "mina")
    page.fill("#id_password1", "a-long-test-password-82")
    page.fill("#id_password2", "a-long-test-password-82")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(base + "/people/")
    page.fill("#id_name", "Barack")
    page.click("#new-person button[type=submit]")
    page.wait_for_url(f"{base}/people/*/")

    two, talk = tmp_path / "two.jpg", tmp_path / "talk.jpg"
    cv2.imwrite(str(two), two_shot("obama.jpg", "biden.jpg"))
    cv2.imwrite(str(talk), interview_shot("obama3.jpg", "biden.jpg"))
    page.set_input_files("#photo-input", [str(two), str(talk)])
    page.wait_for_function(
        "document.querySelectorAll('#photo-grid .photo').length === 2 && "
        "document.querySelectorAll('#photo-grid .photo[data-status=pending]')"
        ".length === 0",
        timeout=90_000,
    )
    ambiguous = page.locator("#photo-grid .photo[data-reason=choose_face]")
    assert ambiguous.locator("text=Which one is this person?").is_visible()
    options = ambiguous.locator("button.face-option")
    assert options.count() == 2
    # Both crops load (the grid was just re-rendered: wait for them; a broken one never does).
    page.wait_for_function(
        "[...document.querySelectorAll('#photo-grid button.face-option img')]"
        ".every(img => img.complete && img.naturalWidth > 0)",
        timeout=15_000,
    )
    dominant = page.locator("#photo-grid .photo.accepted")
    assert "1 other face ignored" in dominant.inner_text()
    shot(page, "face-choice")

    options.first.click()
    page.wait_for_selector("text=Face chosen; the photo is enrolled.")
    assert page.locator("#photo-grid .photo.accepted").count() == 2
    assert page.locator("#photo-grid .photo.accepted img").count() == 2
    assert page.locator("button.face-option").count() == 0
    assert page.locator("#person-status").get_attribute("data-status") == "ready"
    assert errors == []
