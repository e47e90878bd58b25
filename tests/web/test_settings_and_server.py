"""Configuration comes from the environment with defaults that run on one machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ciasom.server import default_ice_hosts, is_loopback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def settings_in_subprocess(env: dict[str, str], expr: str):
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE']='ciasom.settings';"
        "import django; django.setup(); from django.conf import settings as s;"
        f"print(json.dumps({expr}, default=str))"
    )
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CIASOM_ICE_SERVERS", "SECRET_KEY", "DEBUG"}
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_defaults_keep_everything_in_the_data_dir(tmp_path):
    got = settings_in_subprocess(
        {"CIASOM_DATA_DIR": str(tmp_path)},
        "[s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], str(s.MEDIA_ROOT),"
        " s.CACHES['default']['BACKEND'], s.REDIS_URL, s.DEBUG, s.CIASOM_ICE_SERVERS]",
    )
    engine, name, media, cache, redis_url, debug, ice = got
    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "ciasom.sqlite3")
    assert media == str(tmp_path / "media")
    assert cache.endswith("LocMemCache") and redis_url is None
    assert debug is False and ice == []
    # A secret key is generated once and kept private.
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode)[-3:] == "600"
    again = settings_in_subprocess({"CIASOM_DATA_DIR": str(tmp_path)}, "s.SECRET_KEY")
    assert again == key_file.read_text().strip()


def test_environment_overrides(tmp_path):
    ice = [{"urls": "turn:turn.example.com:3478", "username": "u", "credential": "c"}]
    got = settings_in_subprocess(
        {
            "CIASOM_DATA_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/somewhere",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "CIASOM_ICE_SERVERS": json.dumps(ice),
            "CIASOM_ICE_HOSTS": "192.0.2.10, 127.0.0.1",
            "SECRET_KEY": "from-env",
            "DEBUG": "1",
            "ALLOWED_HOSTS": "ciasom.example, localhost",
        },
        "[s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'],"
        " s.CACHES['default']['BACKEND'], s.CIASOM_ICE_SERVERS, s.CIASOM_ICE_HOSTS,"
        " s.SECRET_KEY, s.DEBUG, s.ALLOWED_HOSTS]",
    )
    assert got == [
        "django.db.backends.postgresql",
        "somewhere",
        "django.core.cache.backends.redis.RedisCache",
        ice,
        ["192.0.2.10", "127.0.0.1"],
        "from-env",
        True,
        ["ciasom.example", "localhost"],
    ]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.20", False),
        ("example.com", False),
    ],
)
def test_loopback_hosts_are_recognised(host, loopback):
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host", "ice_hosts"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "127.0.0.1"),
        ("[::1]", "::1"),
        ("0.0.0.0", None),
        ("192.168.1.20", None),
    ],
)
def test_serve_on_loopback_offers_only_loopback_candidates(host, ice_hosts):
    assert default_ice_hosts(host) == ice_hosts


ASGI_PROBE = """
import asyncio, os
os.environ["DJANGO_SETTINGS_MODULE"] = "ciasom.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from ciasom.asgi import application
sent, asked = [], []
async def receive():
    if asked:  # the body was read: now wait, as a connection that stays open does
        await asyncio.Event().wait()
    asked.append(1)
    return {"type": "http.request", "body": b"", "more_body": False}
async def send(message):
    sent.append(message)
scope = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"",
         "headers": [(b"host", b"localhost")], "http_version": "1.1", "scheme": "http",
         "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 1234), "root_path": "",
         "asgi": {"version": "3.0"}}
asyncio.run(application(scope, receive, send))
print(sent[0]["status"])
"""


def test_asgi_application_serves_pages(tmp_path):
    """`ciasom.asgi:application` is a working ASGI app (what uvicorn and `serve` load)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    out = subprocess.run(
        [sys.executable, "-c", ASGI_PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**env, "CIASOM_DATA_DIR": str(tmp_path)},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "200"
