"""History items Ring's format changes could produce, as the emulator serves them
(the source of each: tests/fixtures/consumer/SOURCES.md)."""

from __future__ import annotations

import dataclasses
from typing import Any

import requests

from ringConnector.emulator import Emulator, ManualClock, Scenario
from ringConnector.emulator.seed import FRONT_DOOR


def test_drifted_items_are_served_as_asked(
    demo_day: Scenario, mono: ManualClock, http: requests.Session
) -> None:
    front = [e for e in demo_day.events if e.device_id == FRONT_DOOR]
    changes: list[dict[str, Any]] = [
        {"created_at_text": "2024-03-09T07:42:10.695Z"},
        {"created_at_text": "09/03/2024 07:42"},
        {"without_id": True},
        {"without_recording_key": True},
        {"recording_status": None},
        {"kind": "door_activity"},
    ]
    changed = {front[n].id: dataclasses.replace(front[n], **change) for n, change in enumerate(changes)}
    demo_day.events = [changed.get(e.id, e) for e in demo_day.events]
    with Emulator(demo_day, clock=mono) as emu:
        emu.state.sessions.open("hw", "127.0.0.1")  # Ring answers 404 without a session
        auth = {"Authorization": f"Bearer {emu.issue_token()['access_token']}", "hardware_id": "hw"}
        items = http.get(
            f"{emu.api_url}/clients_api/doorbots/{FRONT_DOOR}/history?limit=100", headers=auth
        ).json()
    by_time = {item["created_at"]: item for item in items}
    assert "2024-03-09T07:42:10.695Z" in by_time and "09/03/2024 07:42" in by_time
    assert sum("id" not in item for item in items) == 1
    assert sum("recording" not in item for item in items) == 1
    assert sum(item.get("recording", 0) is None for item in items) == 1
    assert [item["kind"] for item in items].count("door_activity") == 1
    assert len(items) == len(front)
