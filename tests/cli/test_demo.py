"""The README's demo command: the emulator, sign-in, a download and the server, end to end."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ringConnector.cli import demo
from ringConnector.emulator import BACK_DOOR, FRONT_DOOR, Event, Scenario, demo_scenario

pytestmark = pytest.mark.process  # the real scripts and server, as subprocesses

# What the demo day (emulator/seed.py) holds for "today" that startDownload.py must fetch: the
# dings of both doorbells (the Garage's motions are not selected), as local HHMMSS and device.
# The 22:41:17 Front Door ding is still processing (skipped); the 23:10:58 one is prepared late.
DOWNLOADED = [
    ("074210", "Front Door"),
    ("091503", "Back Door"),  # answered
    ("113027", "Front Door"),  # no duration
    ("120245", "Back Door"),  # the same second as the next
    ("120245", "Front Door"),
    ("164512", "Back Door"),
    ("180533", "Front Door"),  # answered
    ("231058", "Back Door"),  # Ring prepares it after two 404s
]
NOT_READY = ("224117", "Front Door")
NAMES = {FRONT_DOOR: "Front Door", BACK_DOOR: "Back Door"}


def the_days_events(day: date, zone: str, now: datetime) -> dict[tuple[str, str], Event]:
    """The demo scenario's events of the doorbells on `day` as the demo seeded them at `now`,
    keyed by their (local HHMMSS, device name) in the full demo day (emulator/seed.py)."""

    def doorbells(scenario: Scenario) -> list[Event]:
        return [
            item
            for item in scenario.events
            if item.created_at.astimezone(ZoneInfo(zone)).date() == day and item.device_id in NAMES
        ]

    full, fitted = doorbells(demo_scenario(day, zone)), doorbells(demo_scenario(day, zone, now=now))
    assert len(full) == len(fitted)  # the same events, fitted into the part of today gone by
    assert all(item.created_at <= now - timedelta(seconds=5) for item in fitted)
    found = {}
    for planned, item in zip(full, fitted, strict=True):
        local = planned.created_at.astimezone(ZoneInfo(zone))
        found[(local.strftime("%H%M%S"), NAMES[item.device_id])] = item
    return found


def local_clock(item: Event, zone: str) -> str:
    """The HHMMSS of an event's file name."""
    return item.created_at.astimezone(ZoneInfo(zone)).strftime("%H%M%S")


def test_the_demo_runs_the_whole_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "demo"
    assert demo.main(["--data", str(data)]) == 0
    out = capsys.readouterr().out
    told = re.search(r"download today \((\d{4}-\d{2}-\d{2}), ([^)]+)\)", out)
    seeded = re.search(r"today's events up to (\S+Z)", out)
    assert told is not None and seeded is not None, out
    day, zone = date.fromisoformat(told[1]), told[2]
    now = datetime.fromisoformat(seeded[1])
    assert now.tzinfo is not None
    stamp = day.strftime("%Y%m%d")
    events = the_days_events(day, zone, now)
    expected = {str(events[key].id): (key, events[key]) for key in DOWNLOADED}

    assert f"Token written to {data / 'oauth-authorization.json'}; keep it private." in out
    assert out.count("(exit status 0)") == 2  # sign-in and download
    assert f"{stamp}: 8 downloaded, 1 skipped, 0 failed" in out
    assert f"skipped    {events[NOT_READY].id}: recording not ready" in out
    for key in DOWNLOADED:
        item, (_, device) = events[key], key
        clock = local_clock(item, zone)
        video = data / "videos" / f"{stamp}-{clock}-{item.id}.mp4"
        assert f"downloaded {item.id} {stamp}-{clock} {device} -> {video}" in out
    assert out.count("\n   downloaded ") == 8
    assert "HTTP 200  [0 event(s)] \n" in out  # the server: already downloaded, nothing new

    bodies = {p.name: json.loads(p.read_text()) for p in (data / "videos").glob("*.json")}
    by_id = {body["ringId"]: body for body in bodies.values()}
    assert len(bodies) == 9  # the day's 8, then the one ding rung while the server runs
    (fresh,) = set(by_id) - set(expected)
    for ring_id, ((_, device), item) in expected.items():
        body = by_id[ring_id]
        name = f"{stamp}-{local_clock(item, zone)}"
        assert (body["eventName"], body["deviceName"], body["kind"]) == (name, device, "ding")
        assert (body["answered"], body["duration"]) == (item.answered, item.duration)
        assert Path(body["videoFileName"]).stat().st_size == item.size
    answered = sorted(clock for (clock, _), item in expected.values() if by_id[str(item.id)]["answered"])
    assert answered == ["091503", "180533"]
    assert [clock for (clock, _), item in expected.values() if item.duration is None] == ["113027"]
    assert by_id[fresh]["deviceName"] == "Front Door" and by_id[fresh]["kind"] == "ding"
    assert by_id[fresh]["duration"] == 21.0
    assert Path(by_id[fresh]["videoFileName"]).stat().st_size == Event.size  # the emulator's default
    assert f"HTTP 200  [1 event(s)] {by_id[fresh]['eventName']} Front Door\n" in out
    assert (
        "HTTP 400  {'error': 'bad_request', 'message': "
        "\"'20261341' is not a real date: month must be in 1..12\"}" in out
    )
    assert f"Done. Videos, their stills and event JSON are in {data / 'videos'}" in out
    for name in sorted(bodies)[:3]:
        assert f"\n   {name}\n" in out
