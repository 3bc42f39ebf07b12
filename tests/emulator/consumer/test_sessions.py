"""The emulator's Ring sessions: one per hardware id, forgotten after their lifetime (404 naming
the hardware id on clients_api calls), and 406 past an address's creation limit."""

from __future__ import annotations

from typing import Any

import requests

from ringConnector.emulator import Emulator, ManualClock
from ringConnector.emulator.consumer.sessions import SESSION_LIFETIME

DEVICES = "/clients_api/ring_devices"
SESSION = "/clients_api/session"


def headers(token: dict[str, Any], hardware_id: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}", "hardware_id": hardware_id}


def test_calls_need_a_session_for_their_hardware_id(
    emu: Emulator, http: requests.Session, token: dict[str, Any]
) -> None:
    mine = headers(token, "hw-new")
    missing = http.get(emu.api_url + DEVICES, headers=mine)
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("application/json")
    assert "hw-new" in missing.json()["error"]
    assert http.post(emu.api_url + SESSION, headers=mine, json={}).status_code == 200
    assert http.get(emu.api_url + DEVICES, headers=mine).status_code == 200


def test_ring_forgets_a_session_after_its_lifetime(
    emu: Emulator, mono: ManualClock, http: requests.Session, token: dict[str, Any]
) -> None:
    http.post(emu.api_url + SESSION, headers=headers(token, "hw-day"), json={})
    mono.advance(SESSION_LIFETIME - 1)
    fresh = emu.issue_token()  # access tokens live an hour; the session is what is tested
    mine = headers(fresh, "hw-day")
    assert http.get(emu.api_url + DEVICES, headers=mine).status_code == 200
    mono.advance(2)
    fresh = emu.issue_token()
    gone = http.get(emu.api_url + DEVICES, headers=headers(fresh, "hw-day"))
    assert gone.status_code == 404 and "hw-day" in gone.json()["error"]
    # Only clients_api calls depend on the session (docs/ring-apis.md §3).
    groups = http.get(emu.api_url + "/groups/v1/locations/1/groups", headers=headers(fresh, "hw-day"))
    assert groups.status_code == 200


def test_too_many_sessions_from_one_address_get_406(
    emu: Emulator, http: requests.Session, token: dict[str, Any]
) -> None:
    emu.state.sessions.configure(limit=2)
    answers = [http.post(emu.api_url + SESSION, headers=headers(token, f"hw-{n}"), json={}) for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 406]
    assert emu.state.sessions.created == 2
    # A hardware id whose session Ring still keeps needs no new one.
    assert http.get(emu.api_url + DEVICES, headers=headers(token, "hw-0")).status_code == 200


def test_admin_route_forgets_sessions_and_sets_the_limit(
    emu: Emulator, http: requests.Session, token: dict[str, Any]
) -> None:
    mine = headers(token, "hw-admin")
    http.post(emu.api_url + SESSION, headers=mine, json={})
    answer = http.post(emu.api_url + "/_emulator/sessions", json={"forget": True, "limit": 2})
    assert answer.json() == {"ok": True, "created": 1}
    assert http.get(emu.api_url + DEVICES, headers=mine).status_code == 404
    assert http.post(emu.api_url + SESSION, headers=mine, json={}).status_code == 200
    assert http.post(emu.api_url + SESSION, headers=mine, json={}).status_code == 406
    bad = http.post(emu.api_url + "/_emulator/sessions", json={"lifetime": "soon"})
    assert bad.status_code == 400


def test_sign_in_blocks(emu: Emulator, http: requests.Session) -> None:
    form = {"grant_type": "password", "username": "x", "password": "y"}
    url = emu.oauth_url
    emu.state.sign_in.block = "cloudflare"
    page = http.post(url, data=form)
    assert page.status_code == 403 and page.headers["Content-Type"].startswith("text/html")
    assert page.text.lstrip().startswith("<")
    emu.state.sign_in.block = "rate_limit"
    assert http.post(url, data=form).status_code == 429
    emu.state.sign_in.block = "code_limit"
    limited = http.post(url, data=form)
    assert limited.json()["error_description"] == "too many requests from dependency service"
    emu.state.sign_in.block = "address"
    assert http.post(url, data=form).status_code == 406
