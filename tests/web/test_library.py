"""The local library endpoints: events of a day, one event, its status, and its video."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.support import SmallDay, sha256

FIRST = str(SmallDay.first.id)


@pytest.fixture
def library(client: FlaskClient) -> FlaskClient:
    assert client.post("/connector/download/20261122").status_code == 200
    return client


def test_a_days_events_with_their_status(library: FlaskClient) -> None:
    events = library.get("/connector/events?date=20261122").get_json()
    assert {e["ringId"] for e in events} == SmallDay.expected_dings()
    assert all(e["status"] == "UNPROCESSED" for e in events)
    assert [e["createdAt"] for e in events] == sorted(e["createdAt"] for e in events)
    assert library.get("/connector/events").get_json() == events  # default: today (NOW is that day)
    assert library.get("/connector/events?date=20261121").get_json() == []


def test_one_event(library: FlaskClient) -> None:
    assert library.get(f"/connector/events/{FIRST}").get_json()["eventName"] == "20261122-000005"


def test_marking_an_event_processed_changes_the_file(library: FlaskClient, emulator: Emulator) -> None:
    response = library.patch(f"/connector/events/{FIRST}", json={"status": "PROCESSED"})
    assert response.status_code == 200 and response.get_json()["status"] == "PROCESSED"
    on_disk = json.loads(Path(response.get_json()["videoFileName"]).with_suffix(".json").read_text())
    assert on_disk["status"] == "PROCESSED"
    assert library.get(f"/connector/events/{FIRST}").get_json()["status"] == "PROCESSED"
    storage = emulator.count("storage")
    assert library.post("/connector/download/20261122").get_json() == []  # still known: not fetched again
    assert emulator.count("storage") == storage


@pytest.mark.parametrize(
    "body", [b"", b"not json", b'{"status": "DONE"}', b'{"status": "PROCESSED", "x": 1}', b'["PROCESSED"]']
)
def test_bad_status_bodies_are_400s(library: FlaskClient, body: bytes) -> None:
    response = library.patch(f"/connector/events/{FIRST}", data=body, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


@pytest.mark.parametrize("method", ["GET", "PATCH"])
@pytest.mark.parametrize("ring_id", ["404404", "..%2F..%2Fetc%2Fpasswd", "7710562393449192694x"])
def test_unknown_events_are_json_404s(library: FlaskClient, method: str, ring_id: str) -> None:
    response = library.open(f"/connector/events/{ring_id}", method=method, json={"status": "PROCESSED"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_a_bad_date_is_a_400(library: FlaskClient) -> None:
    assert library.get("/connector/events?date=20261341").status_code == 400


def test_the_video_with_range_etag_and_last_modified(library: FlaskClient, emulator: Emulator) -> None:
    whole = library.get(f"/connector/videos/{FIRST}")
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    assert whole.headers["Accept-Ranges"] == "bytes" and whole.headers["Last-Modified"]
    body = whole.get_data()
    assert len(body) == SmallDay.first.size
    part = library.get(f"/connector/videos/{FIRST}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.get_data() == body[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    etag = whole.headers["ETag"]
    assert library.get(f"/connector/videos/{FIRST}", headers={"If-None-Match": etag}).status_code == 304
    event = library.get(f"/connector/events/{FIRST}").get_json()
    assert sha256(Path(event["videoFileName"])) == emulator.expected_sha256(FIRST)


@pytest.mark.parametrize("ring_id", ["404404", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd"])
def test_only_downloaded_videos_are_served(library: FlaskClient, ring_id: str) -> None:
    response = library.get(f"/connector/videos/{ring_id}")
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"


@pytest.mark.parametrize("ring_id", ["404404", "a" * 300])
def test_patching_an_unknown_event_touches_no_disk(
    library: FlaskClient, settings: Settings, ring_id: str
) -> None:
    locks = settings.videos_dir / ".locks"
    before = sorted(locks.iterdir()) if locks.is_dir() else []
    response = library.patch(f"/connector/events/{ring_id}", json={"status": "PROCESSED"})
    assert response.status_code == 404 and response.get_json()["error"] == "not_found"
    assert (sorted(locks.iterdir()) if locks.is_dir() else []) == before  # no lock file for it


def test_a_deeply_nested_patch_body_is_a_400(library: FlaskClient) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = library.patch(f"/connector/events/{FIRST}", data=deep, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_an_error_repeats_at_most_a_little_of_a_long_id(library: FlaskClient) -> None:
    response = library.get("/connector/events/" + "x" * 10_000)
    assert response.status_code == 404
    assert response.get_json()["message"] == "no downloaded event " + repr("x" * 100)[:59] + "…"
