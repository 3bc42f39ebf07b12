"""A symlink in DATA_DIR/videos named like an event exposes nothing over HTTP and is never written."""

from __future__ import annotations

import json
import os

from flask.testing import FlaskClient

from ringConnector.config import Settings
from tests.support import SmallDay


def test_a_symlinked_event_json_is_neither_served_listed_nor_patched(
    client: FlaskClient, settings: Settings
) -> None:
    assert client.post("/connector/download/20261122").status_code == 200
    videos = settings.data_dir / "videos"
    before = sorted(p.name for p in videos.iterdir())
    link = videos / "20261122-000000-leak.json"
    link.symlink_to(os.path.relpath(settings.oauth_file, videos))
    token = settings.oauth_file.read_text()

    assert client.get("/connector/events/leak").status_code == 404
    listed = client.get("/connector/events?date=20261122").get_json()
    assert {e["ringId"] for e in listed} == SmallDay.expected_dings()
    assert "refresh_token" not in json.dumps(listed)
    patched = client.patch("/connector/events/leak", json={"status": "PROCESSED"})
    assert patched.status_code == 404 and patched.get_json()["error"] == "not_found"

    assert link.is_symlink() and settings.oauth_file.read_text() == token
    assert sorted(p.name for p in videos.iterdir()) == sorted([*before, link.name])
