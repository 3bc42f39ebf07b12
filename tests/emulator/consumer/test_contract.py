"""Contract tests: each consumer endpoint the emulator serves answers with the fields of the
recorded shapes in tests/fixtures/consumer/ (python-ring-doorbell's fixtures and ring-client-api's
types at the versions tests/fixtures/consumer/SOURCES.md pins), nothing invented, as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from ringConnector.emulator import Emulator

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "consumer"
VIDEO_LISTS = ("doorbots", "authorized_doorbots", "stickup_cams")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value; list items share one "[]" step, so all items count."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(prefix + key)
            found |= paths(inner, f"{prefix}{key}.")
    elif isinstance(value, list):
        for inner in value:
            found |= paths(inner, f"{prefix}[].")
    return found


def is_json(answer: requests.Response) -> bool:
    return answer.headers["Content-Type"].split(";")[0] == "application/json"


def login(emu: Emulator, http: requests.Session, code: str | None) -> requests.Response:
    form = {"grant_type": "password", "username": emu.state.account.username}
    form |= {"password": emu.state.account.password, "scope": "client", "client_id": "ring_official_android"}
    headers = {"2fa-support": "true", "2fa-code": code} if code else {}
    return http.post(emu.oauth_url, data=form, headers=headers)


def test_token_answer_has_exactly_the_fixtures_keys(emu: Emulator, http: requests.Session) -> None:
    answer = login(emu, http, emu.state.account.two_factor_code)
    assert answer.status_code == 200 and is_json(answer)
    assert paths(answer.json()) == paths(fixture("ring_oauth.json"))


def test_the_412_has_exactly_ring_client_apis_keys(emu: Emulator, http: requests.Session) -> None:
    answer = login(emu, http, None)
    assert answer.status_code == 412 and is_json(answer)
    assert paths(answer.json()) == paths(fixture("tsv_412.json"))


def test_session_answer_has_exactly_the_fixtures_keys(
    emu: Emulator, http: requests.Session, auth: dict[str, str]
) -> None:
    answer = http.post(emu.api_url + "/clients_api/session", headers=auth, json={})
    assert answer.status_code == 200 and is_json(answer)
    assert paths(answer.json()) == paths(fixture("ring_session.json"))


def test_ring_devices_invent_nothing(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """A documented subset: the fixture's devices carry many settings nobody here reads, so each
    emulated device must have only keys some device of the fixture has (any list: it is one
    device shape), and at least the ones ring_doorbell and the connector read."""
    answer = http.get(emu.api_url + "/clients_api/ring_devices", headers=auth)
    assert answer.status_code == 200 and is_json(answer)
    body, recorded = answer.json(), fixture("ring_devices.json")
    assert set(body) == set(recorded)
    known = set().union(*(paths(item) for items in recorded.values() for item in items))
    read = {"id", "description", "kind", "time_zone", "features", "features.show_recordings"}
    served = [(kind, item) for kind, items in body.items() for item in items]
    assert {kind for kind, _ in served} >= set(VIDEO_LISTS)
    for kind, item in served:
        assert paths(item) <= known, sorted(paths(item) - known)
        assert (read if kind in VIDEO_LISTS else read - {"features.show_recordings"}) <= paths(item)


def test_history_items_invent_nothing(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """Each item has the doorbot fixture's keys, and only keys of it or the intercom fixture (which
    shows the newer, longer item: duration, cv_properties, doorbot, is_e2ee, ...)."""
    devices = http.get(emu.api_url + "/clients_api/ring_devices", headers=auth).json()
    items = [
        item
        for kind in VIDEO_LISTS
        for device in devices[kind]
        for item in http.get(
            emu.api_url + f"/clients_api/doorbots/{device['id']}/history", headers=auth, params={"limit": 100}
        ).json()
    ]
    assert items
    minimal = {p.removeprefix("[].") for p in paths(fixture("ring_doorbot_history.json"))}
    longest = {p.removeprefix("[].") for p in paths(fixture("ring_intercom_history.json"))}
    for item in items:
        assert minimal <= paths(item)
        assert paths(item) <= minimal | longest, sorted(paths(item) - minimal - longest)


def _ready_event(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> int:
    devices = http.get(emu.api_url + "/clients_api/ring_devices", headers=auth).json()
    for device in devices["doorbots"]:
        if not device["features"]["show_recordings"]:
            continue
        history = http.get(emu.api_url + f"/clients_api/doorbots/{device['id']}/history", headers=auth).json()
        for item in history:
            if item["recording"] and item["recording"]["status"] == "ready":
                return int(item["id"])
    raise AssertionError("the demo day has no ready recording")


def test_share_play_answers_exactly_a_url(
    emu: Emulator, http: requests.Session, auth: dict[str, str]
) -> None:
    event = _ready_event(emu, http, auth)
    answer = http.get(emu.api_url + f"/clients_api/dings/{event}/share/play", headers=auth)
    assert answer.status_code == 200 and is_json(answer)
    assert paths(answer.json()) == paths(fixture("share_play.json"))


def test_recording_redirects(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """Not JSON: a 302 whose Location is the pre-signed storage URL (docs/ring-apis.md §1.5)."""
    event = _ready_event(emu, http, auth)
    answer = http.get(
        emu.api_url + f"/clients_api/dings/{event}/recording", headers=auth, allow_redirects=False
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(emu.storage_url)


def test_groups_invent_nothing(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """The emulator has no light groups: the fixture's top level, with an empty list."""
    answer = http.get(emu.api_url + "/groups/v1/locations/1/groups", headers=auth)
    assert answer.status_code == 200 and is_json(answer)
    recorded = paths(fixture("ring_groups.json"))
    assert paths(answer.json()) <= recorded and set(answer.json()) == set(fixture("ring_groups.json"))
