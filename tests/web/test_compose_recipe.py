"""deploy/compose.yaml keeps the database private, reads its secrets from the env file, and
leaves the app reachable only through nginx (Docker does not run here: the file is checked)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def listens_on(service: dict) -> str:
    return " ".join(str(part) for part in service.get("command") or [])


def test_postgres_publishes_no_port_and_listens_on_loopback_only(services):
    postgres = services["postgres"]
    assert "ports" not in postgres
    assert "listen_addresses=127.0.0.1" in listens_on(postgres)


def test_secrets_come_from_the_env_file_not_the_recipe(services):
    for name in ("postgres", "ciasom"):
        assert "ciasom.env" in services[name]["env_file"]
        env = environment(services[name])
        assert not {"POSTGRES_PASSWORD", "SECRET_KEY", "DATABASE_URL"} & set(env)
    example = (DEPLOY / "ciasom.env.example").read_text()
    assert "POSTGRES_PASSWORD=" in example and "CIASOM_ICE_HOSTS=" in example


def test_the_app_is_reached_only_through_nginx(services):
    app = services["ciasom"]
    assert "ports" not in app
    assert "--host 127.0.0.1" in listens_on(app)
    nginx = services["nginx"]
    assert any("nginx.conf" in volume for volume in nginx["volumes"])
    assert "proxy_pass http://ciasom_media" in (DEPLOY / "nginx.conf").read_text()


def test_ice_hosts_must_come_from_the_environment(services):
    app = services["ciasom"]
    assert "CIASOM_ICE_HOSTS" not in environment(app)  # no loopback default
    assert 'test -n "$$CIASOM_ICE_HOSTS"' in listens_on(app)


def test_redis_listens_on_loopback_only(services):
    assert "ports" not in services["redis"]
    assert "--bind 127.0.0.1" in listens_on(services["redis"])


def test_app_data_lives_on_the_volume_nginx_reads(services):
    app, nginx = services["ciasom"], services["nginx"]
    data_dir = environment(app)["CIASOM_DATA_DIR"]
    assert f"ciasomdata:{data_dir}" in app["volumes"]
    assert "ciasomdata:/var/lib/ciasom:ro" in nginx["volumes"]  # nginx.conf's media root
