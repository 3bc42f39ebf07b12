"""Contract: the emulator's history items have exactly the fields of the fixture taken from
python-ring-doorbell (tests/fixtures/consumer/SOURCES.md), recursively, nothing invented."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import requests

from ringConnector.emulator import Emulator
from ringConnector.emulator.seed import FRONT_DOOR

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "consumer" / "history_item.json"


def shape(value: Any) -> Any:
    """The keys of a JSON value, recursively (objects only; a null stands for any value)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return None


def test_every_history_item_has_the_fixtures_fields(
    emu: Emulator, http: requests.Session, auth: dict[str, str]
) -> None:
    answer = http.get(f"{emu.api_url}/clients_api/doorbots/{FRONT_DOOR}/history?limit=100", headers=auth)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    expected = shape(json.loads(FIXTURE.read_text()))
    items = answer.json()
    assert items
    for item in items:
        got = shape(item)
        if item.get("duration") is None:  # absent on some items (ring_doorbot_history.json)
            got["duration"] = None
        assert got == expected, item["id"]
