"""The Partner host answers with exactly Ring's documented shapes (tests/fixtures/partner/SOURCES.md):
the same keys recursively, nothing invented, application/json, meta.time, documented errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from ringConnector.emulator import CHIME, FRONT_DOOR, Emulator, Fault, partner_device_id

FIXTURES = Path(__file__).parents[2] / "fixtures" / "partner"
FRONT, CHIME_ID = partner_device_id(FRONT_DOOR), partner_device_id(CHIME)
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def fixture(name: str) -> Any:
    """Load one fixture."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """Return a value's structure: keys recursively, the set of element shapes, leaf types."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return sorted({json.dumps(shape(item), sort_keys=True) for item in value})
    return "null" if value is None else type(value).__name__


def get(emu: Emulator, http: requests.Session, pauth: dict[str, str], path: str, **params: str) -> Any:
    """GET a Partner document, checking what every document has: application/json and meta.time."""
    answer = http.get(emu.partner_url + path, params=params, headers=pauth)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].split(";")[0] == "application/json"
    body = answer.json()
    assert TIME.fullmatch(body["meta"]["time"])
    return body


@pytest.mark.parametrize(
    ("fixture_name", "path", "params"),
    [
        ("devices_include.json", "/v1/devices", {"include": "status,capabilities,configurations,location"}),
        ("capabilities_video.json", f"/v1/devices/{FRONT}/capabilities", {}),
        ("capabilities_chime.json", f"/v1/devices/{CHIME_ID}/capabilities", {}),
        ("status.json", f"/v1/devices/{FRONT}/status", {}),
        ("location.json", f"/v1/devices/{FRONT}/location", {}),
        ("history_page.json", f"/v1/history/devices/{FRONT}/events", {"page[size]": "2"}),
        ("history_last_page.json", f"/v1/history/devices/{FRONT}/events", {"page[size]": "50"}),
    ],
)
def test_documents_have_exactly_the_documented_keys(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    fixture_name: str,
    path: str,
    params: dict[str, str],
) -> None:
    """Each answer has the fixture's structure, key for key: no device_type, no supported."""
    body = get(emu, http, pauth, path, **params)
    assert body["data"], "an empty answer would prove nothing"
    assert shape(body) == shape(fixture(fixture_name))
    text = json.dumps(body)
    assert '"device_type"' not in text and '"supported"' not in text and '"time_zone"' not in text


def test_the_video_check_tells_cameras_from_chimes(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """A camera's video has codecs and configurations; a chime's capabilities are all null."""
    front = get(emu, http, pauth, f"/v1/devices/{FRONT}/capabilities")["data"]["attributes"]
    chime = get(emu, http, pauth, f"/v1/devices/{CHIME_ID}/capabilities")["data"]["attributes"]
    assert front["video"]["codecs"] == ["AVC"] and front["video"]["configurations"]
    assert set(chime.values()) == {None} and set(chime) == set(front)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (f"/v1/devices/{FRONT}x/capabilities", {}, 404),
        (f"/v1/devices/{FRONT}x/status", {}, 404),
        ("/v1/devices", {"include": "nothing"}, 400),
        (f"/v1/history/devices/{FRONT}/events", {"event_types": "alarm"}, 400),
        ("/v1/nowhere", {}, 404),
    ],
)
def test_errors_are_documented_error_bodies(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    path: str,
    params: dict[str, str],
    status: int,
) -> None:
    """{"errors": [{"status", "title", "detail"}]}, as application/json."""
    answer = http.get(emu.partner_url + path, params=params, headers=pauth)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].split(";")[0] == "application/json"
    assert shape(answer.json()) == shape(fixture("error_404.json"))
    assert answer.json()["errors"][0]["status"] == str(status)


@pytest.mark.parametrize("path", [f"/v1/devices/{FRONT}", f"/v1/devices/{FRONT}/status", "/v1/devices"])
def test_no_document_without_a_token(emu: Emulator, http: requests.Session, path: str) -> None:
    """Every route, gated by faults or not, wants the bearer token."""
    answer = http.get(emu.partner_url + path)
    assert answer.status_code == 401 and answer.json()["errors"][0]["status"] == "401"


def test_a_429_has_the_documented_headers_and_body(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """Rate Limit Exceeded with Retry-After and the X-RateLimit headers."""
    emu.add_fault(Fault("partner_devices", "status", status=429, retry_after=2))
    answer = http.get(emu.partner_url + "/v1/devices", headers=pauth)
    documented = fixture("rate_limited.json")
    assert answer.status_code == 429
    assert all(name in answer.headers for name in documented["headers"])
    assert answer.headers["Retry-After"] == "2"
    assert answer.headers["Content-Type"].split(";")[0] == "application/json"
    assert shape(answer.json()) == shape(documented["body"])
    assert answer.json()["errors"][0]["title"] == "Rate Limit Exceeded"
