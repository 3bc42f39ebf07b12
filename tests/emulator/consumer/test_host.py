"""The consumer API routes: session, devices, history paging, recording URLs."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from ring_doorbell.util import parse_datetime

from ringConnector.emulator import BACK_DOOR, CHIME, FRONT_DOOR, GARAGE, Emulator, Scenario, bulk_scenario

HISTORY = "/clients_api/doorbots/{}/history"


def test_session_returns_a_profile(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """POST /clients_api/session answers {"profile": {...}} for the account."""
    answer = http.post(emu.api_url + "/clients_api/session", headers=auth, json={"device": {}})
    assert answer.status_code == 200
    profile = answer.json()["profile"]
    assert profile["email"] == "demo@example.com"
    assert {"id", "first_name", "last_name", "features"} <= set(profile)
    assert emu.count("session") == 1 and "test-hw-1" in emu.hardware_ids


def test_devices_are_listed_by_family(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """Each device sits in its family list with the fields ring_doorbell reads."""
    body = http.get(emu.api_url + "/clients_api/ring_devices", headers=auth).json()
    assert set(body) == {"doorbots", "authorized_doorbots", "stickup_cams", "chimes", "other"}
    ids = {family: [d["id"] for d in devices] for family, devices in body.items()}
    assert ids == {
        "doorbots": [FRONT_DOOR],
        "authorized_doorbots": [BACK_DOOR],
        "stickup_cams": [GARAGE],
        "chimes": [CHIME],
        "other": [],
    }
    front = body["doorbots"][0]
    assert front["description"] == "Front Door" and front["kind"] == "lpd_v2"
    assert front["time_zone"] == "America/New_York" and front["location_id"] == "loc-1"
    assert front["features"]["show_recordings"] is True
    assert {"device_id", "firmware_version", "settings", "alerts", "owner", "subscribed"} <= set(front)
    assert body["authorized_doorbots"][0]["owned"] is False


def test_dings_active_and_groups_are_empty(
    emu: Emulator, http: requests.Session, auth: dict[str, str]
) -> None:
    """The two routes ring_doorbell calls during update_data answer empty."""
    assert http.get(emu.api_url + "/clients_api/dings/active", headers=auth).json() == []
    groups = http.get(emu.api_url + "/groups/v1/locations/loc-1/groups", headers=auth)
    assert groups.json() == {"device_groups": []}
    assert emu.count("groups", "loc-1") == 1


def test_history_pages_are_capped_at_100(paging_emu: Emulator, http: requests.Session) -> None:
    """limit=300 still gives 100 events; no limit gives 20."""
    auth = {"Authorization": f"Bearer {paging_emu.issue_token()['access_token']}"}
    url = paging_emu.api_url + HISTORY.format(300_000_001)
    assert len(http.get(url, params={"limit": 300}, headers=auth).json()) == 100
    assert len(http.get(url, headers=auth).json()) == 20
    assert len(http.get(url, params={"limit": 7}, headers=auth).json()) == 7


def test_older_than_walks_every_event_once_newest_first(paging_emu: Emulator, http: requests.Session) -> None:
    """Paging with older_than=<last id> visits all 250 events exactly once, newest first."""
    auth = {"Authorization": f"Bearer {paging_emu.issue_token()['access_token']}"}
    url = paging_emu.api_url + HISTORY.format(300_000_001)
    seen: list[dict[str, object]] = []
    params: dict[str, int] = {"limit": 100}
    while page := http.get(url, params=params, headers=auth).json():
        seen.extend(page)
        params["older_than"] = page[-1]["id"]
    assert len(seen) == 250 and len({e["id"] for e in seen}) == 250
    stamps = [(parse_datetime(str(e["created_at"])), e["id"]) for e in seen]
    assert stamps == sorted(stamps, reverse=True)
    assert paging_emu.count("history") == 4  # pages of 100, 100, 50, then the empty one


def test_history_items_are_shaped_like_rings(
    emu: Emulator, http: requests.Session, auth: dict[str, str], demo_day: Scenario
) -> None:
    """Items carry the history fields; duration is absent when unknown; timestamps vary."""
    items = http.get(emu.api_url + HISTORY.format(FRONT_DOOR), params={"limit": 100}, headers=auth).json()
    assert len(items) == sum(e.device_id == FRONT_DOOR for e in demo_day.events)
    for item in items:
        assert {"id", "created_at", "answered", "kind", "recording", "doorbot", "cv_properties"} <= set(item)
        assert item["doorbot"] == {"id": FRONT_DOOR, "description": "Front Door", "type": "lpd_v2"}
        assert isinstance(item["id"], int)
    no_duration = [e.id for e in demo_day.events if e.duration is None]
    assert [i["id"] for i in items if "duration" not in i] == no_duration
    processing = [i for i in items if i["recording"] != {"status": "ready"}]
    assert [i["recording"] for i in processing] == [{"status": "processing"}]
    assert {_time_form(i["created_at"]) for i in items} == {"Z", ".000Z", "ms"}
    assert all(parse_datetime(i["created_at"]).year == 2024 for i in items)


def _time_form(created_at: str) -> str:
    if "." not in created_at:
        return "Z"
    return ".000Z" if created_at.endswith(".000Z") else "ms"


@pytest.mark.parametrize(
    ("device", "params", "status"),
    [(999, {}, 404), (CHIME, {}, 404), (FRONT_DOOR, {"limit": "x"}, 400), (FRONT_DOOR, {"limit": 0}, 400)],
)
def test_history_errors(
    emu: Emulator,
    http: requests.Session,
    auth: dict[str, str],
    device: int,
    params: dict[str, str | int],
    status: int,
) -> None:
    """Unknown devices and chimes have no history; a bad limit is a 400."""
    answer = http.get(emu.api_url + HISTORY.format(device), params=params, headers=auth)
    assert answer.status_code == status


def _ready_ding(scenario: Scenario) -> int:
    return next(e.id for e in scenario.events if e.kind == "ding" and e.prepare_after_hits == 0)


def test_recording_redirects_to_a_presigned_storage_url(
    emu: Emulator, http: requests.Session, auth: dict[str, str], demo_day: Scenario
) -> None:
    """/recording is a 302 to storage; /share/play gives the same kind of URL as JSON."""
    event = _ready_ding(demo_day)
    answer = http.get(
        emu.api_url + f"/clients_api/dings/{event}/recording", headers=auth, allow_redirects=False
    )
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == emu.storage_url
    assert location.path == f"/recordings/{event}.mp4"
    query = parse_qs(location.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == ["3600"]
    assert len(query["X-Amz-Signature"][0]) == 64
    play = http.get(emu.api_url + f"/clients_api/dings/{event}/share/play", headers=auth)
    url = play.json()["url"]
    assert url.startswith(f"{emu.storage_url}/recordings/{event}.mp4?")
    assert parse_qs(urlsplit(url).query)["X-Amz-Signature"] != query["X-Amz-Signature"]
    assert emu.count("recording", str(event)) == 1 and emu.count("share_play", str(event)) == 1


def test_recording_of_unknown_or_videoless_event_is_404(
    http: requests.Session,
) -> None:
    """No event, no recording, or no subscription: 404 on both recording routes."""
    scenario = bulk_scenario(date(2024, 3, 9), "UTC", events=3, size=1000, devices=2)
    scenario.events[0].recording_status = None
    scenario.devices[1].show_recordings = False  # owns events[1]
    with Emulator(scenario) as emu:
        auth = {"Authorization": f"Bearer {emu.issue_token()['access_token']}"}
        for event in (1, scenario.events[0].id, scenario.events[1].id):
            for route in ("recording", "share/play"):
                url = emu.api_url + f"/clients_api/dings/{event}/{route}"
                assert http.get(url, headers=auth, allow_redirects=False).status_code == 404
        items = http.get(emu.api_url + HISTORY.format(scenario.devices[1].id), headers=auth).json()
        assert [i["recording"] for i in items] == [None]
        url = emu.api_url + f"/clients_api/dings/{scenario.events[2].id}/share/play"
        assert http.get(url, headers=auth).status_code == 200
