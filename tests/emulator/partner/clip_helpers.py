"""Shared pieces of the emulator's partner clip tests."""

from __future__ import annotations

from typing import Any

import requests

from ringConnector.emulator import FRONT_DOOR, Emulator, Event, Scenario, partner_device_id

FRONT = partner_device_id(FRONT_DOOR)
# The emulator's default clip rate: 50 kB per second of footage.
BYTES_PER_SECOND = 50_000


def clip_url(device: str = FRONT) -> str:
    """Return the clip download path of a device."""
    return f"/v1/devices/{device}/media/video/download"


def ready_ding(scenario: Scenario) -> tuple[Event, int]:
    """A ready Front Door ding with a known duration, and its start in epoch ms."""
    event = next(
        e
        for e in scenario.events
        if e.device_id == FRONT_DOOR and e.kind == "ding" and e.duration and e.recording_status == "ready"
    )
    return event, round(event.created_at.timestamp() * 1000)


def post_clip(
    emu: Emulator, http: requests.Session, auth: dict[str, str], body: Any, **kw: Any
) -> requests.Response:
    """POST a clip request for the Front Door."""
    return http.post(emu.partner_url + clip_url(), json=body, headers=auth, **kw)
