"""Recordings Ring prepares over time on the emulator's clock: history's status turns `ready`
and storage serves it then, not after a number of requests (docs/ring-apis.md §1.5)."""

from __future__ import annotations

import dataclasses

import requests

from ringConnector.emulator import Emulator, ManualClock, Scenario
from ringConnector.emulator.seed import FRONT_DOOR


def _status(emu: Emulator, http: requests.Session, auth: dict[str, str], event_id: int) -> object:
    items = http.get(
        f"{emu.api_url}/clients_api/doorbots/{FRONT_DOOR}/history?limit=100", headers=auth
    ).json()
    return next(item["recording"] for item in items if item["id"] == event_id)


def test_status_and_storage_turn_ready_after_a_time(
    demo_day: Scenario, mono: ManualClock, http: requests.Session
) -> None:
    event = next(e for e in demo_day.events if e.device_id == FRONT_DOOR and e.recording_status == "ready")
    demo_day.events[demo_day.events.index(event)] = dataclasses.replace(
        event, prepare_after_hits=0, ready_after_seconds=90.0
    )
    with Emulator(demo_day, clock=mono) as emu:
        emu.state.sessions.open("hw", "127.0.0.1")  # Ring answers 404 without a session
        auth = {"Authorization": f"Bearer {emu.issue_token()['access_token']}", "hardware_id": "hw"}
        url = http.get(f"{emu.api_url}/clients_api/dings/{event.id}/share/play", headers=auth).json()["url"]
        for _ in range(5):  # asking again does not make it ready
            assert _status(emu, http, auth, event.id) == {"status": "processing"}
            assert http.get(url).status_code == 404
        mono.advance(89.0)
        assert _status(emu, http, auth, event.id) == {"status": "processing"}
        assert http.get(url).status_code == 404
        mono.advance(1.0)
        assert _status(emu, http, auth, event.id) == {"status": "ready"}
        assert http.get(url).status_code == 200
        assert emu.state.storage_gets(event.id) == 7
