"""Access-Control-Allow-Origin comes from one place only: the app (WHEP is public), never
also from nginx, or browsers see "*, *" and refuse the answer."""

from __future__ import annotations

from pathlib import Path

NGINX = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"


def test_nginx_adds_no_cors_headers():
    directives = [line.split("#")[0] for line in NGINX.read_text().splitlines()]
    assert not [line for line in directives if "access-control-" in line.lower()]


def test_the_app_answers_a_whep_preflight_with_one_origin(client):
    response = client.options(
        "/whep/1", HTTP_ORIGIN="https://player.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Location" in response["Access-Control-Expose-Headers"]
