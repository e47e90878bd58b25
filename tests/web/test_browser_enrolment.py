"""A real Chromium against a real server (`ciasom.server.serve`: migrate + uvicorn) on a
temporary SQLite database: sign up, enrol a person from real photos (and see a crowd photo
and a faceless one refused with their reasons), create a broadcast that keeps that person
visible, find it in the settings. Screenshots go to test-artifacts/;
CIASOM_UPDATE_SCREENSHOTS=1 also refreshes the README's docs/screenshots/."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from web_helpers import image_bytes

from bench.photos import photo
from tests.browser import ARGS, CHROMIUM, chromium

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`ciasom serve` in a child process on a free loopback port, with its own data dir."""
    data = tmp_path_factory.mktemp("data")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(CIASOM_DATA_DIR=str(data), LOG_LEVEL="warning")
    log = (data / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-c", f"from ciasom.server import serve; serve('127.0.0.1', {port})"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError((data / "server.log").read_text()[-3000:]) from None
            time.sleep(0.3)
    yield {"base": base, "data": data, "env": env}
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs it")
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(
        tmp_path_factory.mktemp("chromium"),
        ARGS,
        locale="en-US",
        viewport={"width": 1280, "height": 860},
    ) as context:
        context.set_default_timeout(20_000)
        yield context


def shot(page, name: str) -> Path:
    path = ARTIFACTS / f"browser-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def make_live(server, broadcast_id: int) -> None:
    """What a WHIP publish does to the row (the media path is tested elsewhere)."""
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='ciasom.settings';"
        "django.setup(); from ciasom.broadcasts.models import Broadcast;"
        f"b=Broadcast.objects.get(pk={broadcast_id}); b.start(); b.set_viewers(3)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=server["env"], check=True)


def test_sign_up_enrol_and_set_up_a_broadcast(server, browser, tmp_path):
    base = server["base"]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(base + "/")
    assert page.locator("#live-empty").is_visible()

    # Sign up.
    page.click("text=Sign up")
    page.fill("#id_username", "hana")
    page.fill("#id_password1", "a-long-test-password-81")
    page.fill("#id_password2", "a-long-test-password-81")
    page.click("#signup-form button[type=submit]")
    page.wait_for_url(base + "/people/")

    # Enrol a person from real photos, plus a crowd and a faceless picture.
    page.fill("#id_name", "Barack")
    page.click("#new-person button[type=submit]")
    page.wait_for_url(f"{base}/people/*/")
    noface = tmp_path / "noise.png"
    noface.write_bytes(image_bytes("PNG", (320, 240)))
    page.set_input_files(
        "#photo-input",
        [str(photo("obama.jpg")), str(photo("obama2.jpg")), str(photo("city.jpg")), str(noface)],
    )
    page.wait_for_selector("#person-status[data-status=ready]", timeout=90_000)
    page.wait_for_function(
        "document.querySelectorAll('#photo-grid .photo[data-status=pending]')"
        ".length === 0 && document.querySelectorAll('#photo-grid .photo')"
        ".length === 4",
        timeout=60_000,
    )
    statuses = page.eval_on_selector_all(
        "#photo-grid .photo", "els => els.map(e => [e.dataset.status, e.dataset.reason || ''])"
    )
    assert statuses == [
        ["accepted", ""],
        ["accepted", ""],
        ["rejected", "several_faces"],
        ["rejected", "no_face"],
    ]
    assert page.locator("#photo-grid .photo.accepted img").count() == 2
    assert page.locator("text=Several faces").is_visible()
    assert page.locator("text=No face found").is_visible()
    page.wait_for_function(
        "document.querySelector('#upload-progress .label').textContent"
        " === 'Done: 2 accepted, 2 rejected'"
    )
    # The face crops are real images served to the owner (once loaded; a broken one never is).
    page.wait_for_function(
        "[...document.querySelectorAll('#photo-grid .photo.accepted img')]"
        ".every(img => img.complete && img.naturalWidth > 0)",
        timeout=15_000,
    )
    sizes = page.eval_on_selector_all(
        "#photo-grid .photo.accepted img", "els => els.map(e => e.naturalWidth)"
    )
    assert all(0 < w <= 160 for w in sizes)
    # A third photo dropped onto the drop zone (drag & drop) joins the other results.
    page.evaluate(
        """async (b64) => {
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], "obama3.jpg", {type: "image/jpeg"}));
        const zone = document.getElementById("dropzone");
        zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true}));
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
    }""",
        base64.b64encode(photo("obama3.jpg").read_bytes()).decode(),
    )
    page.wait_for_function(
        "document.querySelector('#upload-progress .label').textContent"
        " === 'Done: 3 accepted, 2 rejected'",
        timeout=60_000,
    )
    assert page.locator("#photo-grid .photo.accepted").count() == 3
    shot(page, "person")  # has face crops: stays in test-artifacts only
    page.click("#nav-people")
    row = page.locator("#people-list .person-row", has_text="Barack")
    assert "Ready" in row.inner_text() and "3 photos accepted" in row.inner_text()
    shot(page, "people")

    # Create a broadcast that keeps Barack visible.
    page.click("#nav-broadcasts")
    page.click("#new-broadcast")
    page.fill("#id_title", "Evening walk by the river")
    page.select_option("#id_category", "outdoor")
    page.check("text=Barack")
    page.check("input[name=style][value=pixelate]")
    page.click("#save-broadcast")
    page.wait_for_url(f"{base}/broadcasts/*/")
    broadcast_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert page.locator("input[name=visible_people]").first.is_checked()
    assert page.locator("#id_title").input_value() == "Evening walk by the river"
    assert page.locator("#whip-url").inner_text().endswith(f"/whip/{broadcast_id}")
    # Turning the mosaic off shows the warning before saving.
    assert not page.locator(".mode-off-warning").is_visible()
    page.check("input[name=mode][value=off]")
    assert page.locator(".mode-off-warning").is_visible()
    page.check("input[name=mode][value=except]")
    shot(page, "broadcast-settings")

    # It is in my list; the my page shows the stream key on demand.
    page.click("#nav-broadcasts")
    assert page.locator("#my-broadcasts", has_text="Evening walk by the river").is_visible()
    page.click("#nav-me")
    key_input = page.locator("#stream-key-value")
    assert key_input.get_attribute("type") == "password"
    page.click("[data-reveal='#stream-key-value']")
    assert key_input.get_attribute("type") == "text"
    assert key_input.input_value().startswith("live_")
    shot(page, "my-page")

    # Once live, the open home page picks it up by itself (it refreshes every 30 s and
    # when the tab comes back into view), with a placeholder thumbnail until the live path
    # writes one.
    page.goto(base + "/")
    assert page.locator("#live-empty").is_visible()
    make_live(server, broadcast_id)
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    card = page.locator("#live-list .card", has_text="Evening walk by the river")
    card.wait_for()
    assert "hana" in card.inner_text()
    shot(page, "live-list")
    page.set_viewport_size({"width": 390, "height": 780})
    shot(page, "live-list-phone")
    page.set_viewport_size({"width": 1280, "height": 860})
    card.click()
    page.wait_for_url(f"{base}/watch/{broadcast_id}")
    assert page.locator("#player").is_visible()
    shot(page, "watch")
    assert errors == []
    if os.environ.get("CIASOM_UPDATE_SCREENSHOTS"):
        # README pictures: pages without anyone's face photo in them.
        target = ROOT / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        for name in ("live-list", "broadcast-settings"):
            shutil.copy(ARTIFACTS / f"browser-{name}.png", target / f"{name}.png")


def test_the_language_switch(server, browser):
    page = browser.new_page()
    page.goto(server["base"] + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("button[name=language][value=ko]")
    page.wait_for_selector("html[lang=ko]")
    assert page.locator("h1").inner_text() == "지금 생방송"
    shot(page, "live-list-ko")
    page.click("button[name=language][value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Live now"
