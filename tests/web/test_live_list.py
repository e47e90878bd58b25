"""The home page and GET /api/broadcasts?live=1 list what is live now: thumbnail, title,
host, category, viewers, start time; sorted by viewers or newest; searchable by title or
host; filtered by category. Nothing that is not live shows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ciasom.broadcasts.models import Broadcast

pytestmark = pytest.mark.django_db


@pytest.fixture
def lineup(django_user_model):
    now = timezone.now()
    rows = [
        ("jin", "진", "Seoul night walk", "outdoor", 40, 30),
        ("mina", "", "Coffee talk", "talk", 120, 10),
        ("ria", "리아", "Speedrun", "game", 5, 2),
    ]
    made = {}
    for username, nickname, title, category, viewers, minutes_ago in rows:
        user = django_user_model.objects.create_user(username)
        user.profile.nickname = nickname
        user.profile.save()
        made[title] = Broadcast.objects.create(
            owner=user,
            title=title,
            category=category,
            is_live=True,
            viewers=viewers,
            started_at=now - timedelta(minutes=minutes_ago),
        )
    ended = django_user_model.objects.create_user("old")
    Broadcast.objects.create(owner=ended, title="Yesterday walk", category="outdoor", ended_at=now)
    return made


def titles(query: str = "") -> list[str]:
    response = APIClient().get(f"/api/broadcasts?live=1{query}")
    assert response.status_code == 200
    return [row["title"] for row in response.json()["results"]]


def test_each_entry_has_what_a_viewer_needs(lineup):
    (row,) = [
        r
        for r in APIClient().get("/api/broadcasts?live=1").json()["results"]
        if r["title"] == "Seoul night walk"
    ]
    assert {"id", "title", "host", "category", "viewers", "started_at", "thumbnail_url"} <= set(row)
    assert row["host"] == "진" and row["category"] == "outdoor" and row["viewers"] == 40
    assert row["thumbnail_url"].endswith("placeholder.svg")
    assert row["watch_url"] == f"/watch/{row['id']}" and row["whep_url"] == f"/whep/{row['id']}"
    assert "mode" not in row and "visible_people" not in row


def test_sorted_by_viewers_by_default_or_newest(lineup):
    assert titles() == ["Coffee talk", "Seoul night walk", "Speedrun"]
    assert titles("&sort=newest") == ["Speedrun", "Coffee talk", "Seoul night walk"]


def test_search_by_title_or_host(lineup):
    assert titles("&q=walk") == ["Seoul night walk"]  # the ended walk is not live
    assert titles("&q=mina") == ["Coffee talk"]  # username
    assert titles("&q=리아") == ["Speedrun"]  # nickname
    assert titles("&q=nothing-like-this") == []


def test_filter_by_category(lineup):
    assert titles("&category=game") == ["Speedrun"]
    assert titles("&category=unknown") == titles()  # an unknown category filters nothing


def test_the_home_page_lists_the_same(client, lineup):
    page = client.get("/").content.decode()
    assert page.index("Coffee talk") < page.index("Seoul night walk") < page.index("Speedrun")
    assert "Yesterday walk" not in page and "placeholder.svg" in page
    newest = client.get("/?sort=newest&category=outdoor").content.decode()
    assert "Seoul night walk" in newest and "Coffee talk" not in newest
    searched = client.get("/?q=%EC%A7%84").content.decode()  # "진"
    assert "Seoul night walk" in searched and "Speedrun" not in searched


def test_nothing_live_shows_an_invitation(client, django_user_model):
    assert 'id="live-empty"' in client.get("/").content.decode()
    assert APIClient().get("/api/broadcasts?live=1").json() == {"results": []}


def test_the_watch_page_has_the_player_slot(client, lineup):
    broadcast = lineup["Coffee talk"]
    page = client.get(f"/watch/{broadcast.pk}").content.decode()
    assert 'id="player"' in page and f'data-whep-url="/whep/{broadcast.pk}"' in page
    assert "Coffee talk" in page and 'id="ice-servers"' in page
    assert client.get("/watch/999999").status_code == 404


def test_odd_query_strings_do_no_harm(lineup):
    assert titles("&q=%00walk") == ["Seoul night walk"]
    assert titles("&sort=;drop") == titles()
