"""The REST API: the article's endpoints, their answers, and JSON errors for everything else."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from ringConnector.emulator import Emulator, Fault, Scenario
from tests.support import BACK, Clock, SmallDay, small_day

TODAY = "/connector/download/today"
DAY_URL = "/connector/download/20261122"


def ring_ids(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {event["ringId"] for event in response.get_json()}


def assert_json_error(response, status: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["message"]
    return body  # type: ignore[no-any-return]


def test_liveness(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_today_downloads_the_new_events_once(client: FlaskClient, emulator: Emulator) -> None:
    first = client.get(TODAY)
    assert first.status_code == 200
    assert ring_ids(first) == SmallDay.expected_dings()
    assert first.headers["X-Download-Complete"] == "true"
    assert first.headers["X-Events-Failed"] == "0"
    downloads = emulator.count("storage")
    second = client.get(TODAY)
    assert second.status_code == 200
    assert second.get_json() == []
    assert emulator.count("storage") == downloads


def test_today_is_computed_at_request_time(client: FlaskClient, clock: Clock, emulator: Emulator) -> None:
    clock.now -= timedelta(days=1)  # yesterday in the zone: only the event before midnight
    assert ring_ids(client.get(TODAY)) == {str(SmallDay.before.id)}
    clock.now += timedelta(days=1)
    assert ring_ids(client.get(TODAY)) == SmallDay.expected_dings()


def test_events_carry_the_article_fields_as_json_types(client: FlaskClient) -> None:
    event = client.post(DAY_URL).get_json()[0]
    assert isinstance(event["ringId"], str)
    assert event["status"] == "UNPROCESSED"
    assert event["createdAt"].endswith("Z")
    assert list(event)[:9] == [
        "ringId", "date", "eventName", "createdAt", "answered", "kind", "duration", "videoFileName", "status",
    ]  # fmt: skip


def test_a_day_with_the_callers_ids_skips_them(client: FlaskClient, emulator: Emulator) -> None:
    have = [str(SmallDay.first.id), str(SmallDay.last.id)]
    response = client.post(DAY_URL, json=have)
    assert response.status_code == 200
    assert ring_ids(response) == SmallDay.expected_dings() - set(have)
    assert emulator.count("share_play", have[0]) == 0


@pytest.mark.parametrize("body", [b"", b"[]", b"  \n"])
def test_no_body_means_no_ids(client: FlaskClient, body: bytes) -> None:
    response = client.post(DAY_URL, data=body, content_type="application/json")
    assert ring_ids(response) == SmallDay.expected_dings()


def test_integer_ids_are_accepted(client: FlaskClient) -> None:
    response = client.post(DAY_URL, data=json.dumps([SmallDay.first.id]), content_type="application/json")
    assert str(SmallDay.first.id) not in ring_ids(response)


@pytest.mark.parametrize(
    "day",
    ["20261341", "20260230", "2026-11-01", "abc", "2026112", "１２３４５６７８", "00010101", "99991231"],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_bad_dates_are_json_400s(client: FlaskClient, emulator: Emulator, day: str, method: str) -> None:
    response = client.open(f"/connector/download/{day}", method=method)
    body = assert_json_error(response, 400)
    assert body["error"] == "bad_request"
    assert emulator.count("history") == 0


@pytest.mark.parametrize(
    "body",
    [b"not json", b"{", b'{"ids": []}', b'"7289369076883314527"', b"42", b"[1.5]", b"[true]",
     b"[null]", b"[[]]", b"\xff\xfe"],
)  # fmt: skip
def test_bad_bodies_are_json_400s(client: FlaskClient, emulator: Emulator, body: bytes) -> None:
    response = client.post(DAY_URL, data=body, content_type="application/json")
    assert_json_error(response, 400)
    assert emulator.count("history") == 0


def test_too_many_ids_is_a_400(client: FlaskClient) -> None:
    assert_json_error(client.post(DAY_URL, json=[str(n) for n in range(10_001)]), 400)


def test_a_huge_body_is_a_json_413(client: FlaskClient) -> None:
    huge = b"[" + b'"1",' * 400_000 + b'"1"]'
    assert_json_error(client.post(DAY_URL, data=huge, content_type="application/json"), 413)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/nowhere", 404), ("PUT", TODAY, 405), ("DELETE", DAY_URL, 405), ("POST", "/", 405),
     ("GET", "/connector/download//0", 404), ("GET", "/connector//events", 404)],
)  # fmt: skip
def test_unknown_paths_and_methods_are_json(client: FlaskClient, method: str, path: str, status: int) -> None:
    assert_json_error(client.open(path, method=method), status)


def test_failures_are_told_in_headers_and_retried_next_call(client: FlaskClient, emulator: Emulator) -> None:
    stuck = str(SmallDay.answered.id)
    emulator.set_event(stuck, prepare_after_hits=10_000)
    response = client.post(DAY_URL)
    assert response.status_code == 200
    assert stuck not in ring_ids(response)
    assert response.headers["X-Download-Complete"] == "false"
    assert response.headers["X-Events-Failed"] == "1"
    assert response.headers["X-Events-Failed-Ids"] == stuck
    emulator.set_event(stuck, prepare_after_hits=0)
    assert ring_ids(client.post(DAY_URL)) == {stuck}


def test_a_rejected_token_is_a_json_503_naming_the_fix(client: FlaskClient, emulator: Emulator) -> None:
    emulator.revoke_refresh_tokens()
    body = assert_json_error(client.post(DAY_URL), 503)
    assert body["error"] == "ring_authorization_required"
    assert "startCreateAuthFile.py" in body["message"]
    assert "Traceback" not in body["message"]


def test_ring_down_is_a_json_502(client: FlaskClient, emulator: Emulator, settings) -> None:  # type: ignore[no-untyped-def]
    emulator.stop()
    body = assert_json_error(client.post(DAY_URL), 502)
    assert body["error"] == "ring_unavailable"


def test_post_today_takes_a_skip_list(client: FlaskClient) -> None:
    response = client.post(TODAY, json=[str(SmallDay.first.id)])
    assert ring_ids(response) == SmallDay.expected_dings() - {str(SmallDay.first.id)}


@pytest.mark.parametrize("body", [b"not json", b'{"ids": []}'])
def test_a_bad_body_on_get_is_a_400_too(client: FlaskClient, body: bytes) -> None:
    assert_json_error(client.open(DAY_URL, method="GET", data=body, content_type="application/json"), 400)


class TestDeviceNamesInHeaders:
    @pytest.fixture
    def scenario(self) -> Scenario:
        plain = small_day()
        for device in plain.devices:
            if device.id == BACK:
                device.description = "Vordertür, Hof 🚪"
        return plain

    def test_a_failed_device_is_named_by_id_in_ascii(self, client: FlaskClient, emulator: Emulator) -> None:
        emulator.add_fault(Fault("history", "status", status=404, key=str(BACK)))
        response = client.post(DAY_URL)
        assert response.status_code == 200
        assert response.headers["X-Devices-Failed"] == str(BACK)
        assert response.headers["X-Download-Complete"] == "false"


DEEP = b"[" * 100_000 + b"]" * 100_000  # deeper than the JSON parser's recursion limit


@pytest.mark.parametrize(("method", "path"), [("POST", DAY_URL), ("POST", "/connector/jobs")])
def test_deeply_nested_json_is_a_400(client: FlaskClient, emulator: Emulator, method: str, path: str) -> None:
    body = assert_json_error(
        client.open(path, method=method, data=DEEP, content_type="application/json"), 400
    )
    assert body["message"] == "the body is JSON nested too deeply to be one of this API's bodies"
    assert emulator.count("history") == 0


@pytest.mark.parametrize("day", ["00010101", "99991231"])
def test_a_job_for_a_day_outside_the_calendar_is_a_400(client: FlaskClient, day: str) -> None:
    body = assert_json_error(client.post("/connector/jobs", json={"date": day}), 400)
    assert body["message"] == f"'{day}' is outside the years 1970 to 9998"


def test_thousands_of_digits_of_seconds_are_a_400_that_repeats_little(client: FlaskClient) -> None:
    response = client.post("/connector/record/x?seconds=" + "9" * 5000)
    body = assert_json_error(response, 400)
    assert body["message"].startswith("seconds must be a whole number of seconds")
    assert len(response.get_data()) < 300  # the input is not echoed whole
