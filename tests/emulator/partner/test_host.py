"""The Partner API host: devices and capabilities, JSON:API errors, and its admin routes."""

from __future__ import annotations

import pytest
import requests

from ringConnector.emulator import BACK_DOOR, CHIME, FRONT_DOOR, GARAGE, Emulator, Fault, partner_device_id

FRONT, CHIME_ID = partner_device_id(FRONT_DOOR), partner_device_id(CHIME)
HISTORY = "/v1/history/devices/{}/events"


def test_devices_are_jsonapi_resources(emu: Emulator, http: requests.Session, pauth: dict[str, str]) -> None:
    """Every device with its partner id, a name and relationships; no kind; no "included" unless asked."""
    answer = http.get(emu.partner_url + "/v1/devices", headers=pauth)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.headers["X-RateLimit-Limit"] == "100"
    assert 0 <= int(answer.headers["X-RateLimit-Remaining"]) < 100
    body = answer.json()
    assert set(body) == {"data", "meta"} and set(body["meta"]) == {"time"}
    names = {d["id"]: d["attributes"]["name"] for d in body["data"]}
    assert set(names) == {partner_device_id(i) for i in (FRONT_DOOR, BACK_DOOR, GARAGE, CHIME)}
    front = next(d for d in body["data"] if d["id"] == FRONT)
    assert set(front["attributes"]) == {"name", "image_url"} and front["attributes"]["name"] == "Front Door"
    assert front["relationships"]["capabilities"] == {
        "data": {"type": "device-capabilities", "id": "ava1.ring.device.capabilities.201000101"},
        "links": {"related": f"/v1/devices/{FRONT}/capabilities"},
    }
    assert emu.count("partner_devices") == 1


def test_include_capabilities(emu: Emulator, http: requests.Session, pauth: dict[str, str]) -> None:
    """?include=capabilities adds one capabilities resource per device; a chime has no video."""
    body = http.get(emu.partner_url + "/v1/devices", params={"include": "capabilities"}, headers=pauth).json()
    included = {c["id"]: c for c in body["included"]}
    wanted = {d["relationships"]["capabilities"]["data"]["id"]: d["id"] for d in body["data"]}
    assert set(included) == set(wanted)
    by_device = {wanted[k]: v for k, v in included.items()}
    assert by_device[CHIME_ID]["attributes"]["video"] is None
    assert by_device[FRONT]["attributes"]["video"]["codecs"] == ["AVC"]
    single = http.get(emu.partner_url + f"/v1/devices/{FRONT}/capabilities", headers=pauth).json()
    assert single["data"] == by_device[FRONT]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/v1/devices/ava1.ring.device.999/capabilities", {}, 404),
        ("/v1/devices/not-a-device/capabilities", {}, 404),
        ("/v1/devices", {"include": "nothing"}, 400),
        ("/v1/nowhere", {}, 404),
        (HISTORY.format("ava1.ring.device.999"), {}, 404),
        (HISTORY.format(FRONT), {"event_types": "ding,alarm"}, 400),
        (HISTORY.format(FRONT), {"page[size]": "0"}, 400),
        (HISTORY.format(FRONT), {"page[size]": "x"}, 400),
        (HISTORY.format(FRONT), {"page[key]": "not-a-cursor"}, 400),
    ],
)
def test_errors_are_jsonapi_documents(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    path: str,
    params: dict[str, str],
    status: int,
) -> None:
    """Unknown devices and paths, bad includes, filters, sizes and cursors: JSON:API errors."""
    answer = http.get(emu.partner_url + path, params=params, headers=pauth)
    assert answer.status_code == status
    (error,) = answer.json()["errors"]
    assert error["status"] == str(status) and error["title"] and error["detail"]
    assert answer.headers["X-RateLimit-Limit"] == "100"


def test_wrong_method_is_a_jsonapi_405(emu: Emulator, http: requests.Session, pauth: dict[str, str]) -> None:
    """The router's own 405 is a JSON:API document too."""
    answer = http.delete(emu.partner_url + "/v1/devices", headers=pauth)
    assert answer.status_code == 405 and answer.json()["errors"][0]["status"] == "405"


def test_admin_routes_drive_the_partner_side(emu: Emulator, http: requests.Session) -> None:
    """For an emulator in another process: codes, token expiry, offline devices, clip redirects."""
    admin = emu.api_url + "/_emulator/partner"
    assert http.post(admin + "/code").json()["code"]
    token = emu.issue_partner_token()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert http.post(admin + "/offline", json={"device_id": FRONT, "offline": True}).ok
    clip = emu.partner_url + f"/v1/devices/{FRONT}/media/video/download"
    assert http.post(clip, json={"timestamp": 0, "duration": 1000}, headers=headers).status_code == 503
    assert http.post(admin + "/offline", json={"device_id": FRONT}).status_code == 400
    assert http.post(admin + "/clip_redirect", json={"status": 303}).ok
    assert emu.state.partner.clip_redirect == 303
    assert http.post(admin + "/clip_redirect", json={"status": 200}).status_code == 400
    assert http.post(admin + "/tokens/expire").ok
    assert http.get(emu.partner_url + "/v1/devices", headers=headers).status_code == 401
    assert http.post(admin + "/tokens/revoke").ok
    form = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    assert (
        http.post(
            emu.oauth_url, data=form, auth=("ringconnector-test-client", "ringconnector-test-secret")
        ).status_code
        == 400
    )
    faults = [{"route": "partner_devices", "kind": "status", "status": 500}]
    assert http.post(emu.api_url + "/_emulator/faults", json=faults).ok
    assert emu.state.faults.pending() == [Fault("partner_devices", "status", status=500)]
