"""Access: the API key, and refusing to listen beyond loopback without one."""

from __future__ import annotations

import subprocess
import sys

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator
from ringConnector.web.app import create_app
from tests.support import ROOT, environment

KEY = "k3y-0f-the-c0nnect0r-with-enough-entropy"


@pytest.fixture
def keyed(settings: Settings, connector: Connector) -> FlaskClient:
    return create_app(settings.replace(api_key=KEY), connector=connector).test_client()


@pytest.mark.parametrize(
    "header",
    [None, "Bearer wrong", f"Basic {KEY}", f"Bearer {KEY}x", f"Bearer {KEY[:-1]}", "Bearer", ""],
)
def test_a_missing_or_wrong_key_is_a_json_401(
    keyed: FlaskClient, emulator: Emulator, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header}
    response = keyed.post("/connector/download/20261122", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert KEY not in response.get_data(as_text=True)
    assert emulator.count("history") == 0  # nothing reached Ring


def test_the_right_key_is_let_in(keyed: FlaskClient) -> None:
    response = keyed.post("/connector/download/20261122", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["/connector/download/today", "/nowhere", "/connector/record/x?seconds=3"])
def test_every_endpoint_but_liveness_wants_the_key(keyed: FlaskClient, path: str) -> None:
    assert keyed.open(path, method="POST" if "record" in path else "GET").status_code == 401


def test_liveness_stays_open(keyed: FlaskClient) -> None:
    assert keyed.get("/").status_code == 200


def test_no_key_no_check(client: FlaskClient) -> None:
    assert client.post("/connector/download/20261122").status_code == 200


@pytest.mark.process
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_the_server_refuses_a_public_address_without_a_key(settings: Settings, host: str) -> None:
    # It must refuse before binding anything: the check comes first.
    result = subprocess.run(
        [sys.executable, str(ROOT / "server.py")],
        env=environment(settings, HOST=host),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert "CONNECTOR_API_KEY" in result.stderr and "Serving on" not in result.stderr


def test_videos_behind_the_key_are_private_to_caches(keyed: FlaskClient, client: FlaskClient) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    first = keyed.post("/connector/download/20261122", headers=auth).get_json()[0]["ringId"]
    behind_key = keyed.get(f"/connector/videos/{first}", headers=auth)
    assert behind_key.status_code == 200
    assert behind_key.cache_control.private and not behind_key.cache_control.public  # no shared cache
    assert behind_key.cache_control.max_age == 3600
    open_video = client.get(f"/connector/videos/{first}")  # no key set: loopback only, public is fine
    assert open_video.cache_control.public and not open_video.cache_control.private


def test_readiness_answers_without_the_key_name_no_path(keyed: FlaskClient, settings: Settings) -> None:
    settings.oauth_file.unlink()
    answer = keyed.get("/readyz")
    assert answer.status_code == 503
    reason = answer.get_json()["reason"]
    assert reason.startswith(f"no Ring token at {settings.oauth_file.name}: ")
    assert str(settings.oauth_file.parent) not in answer.get_data(as_text=True)
