"""Scenarios: the demo day's awkward cases, bulk days, and loading from plain data or JSON."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ringConnector.emulator import (
    BACK_DOOR,
    FRONT_DOOR,
    Account,
    Device,
    Event,
    PartnerApp,
    Scenario,
    bulk_scenario,
    demo_scenario,
    load_scenario,
    partner_device_id,
    partner_event_id,
)

DAY = date(2024, 3, 9)
TZ = "America/New_York"


def _local_day(event: Event, tz: str = TZ) -> date:
    return event.created_at.astimezone(ZoneInfo(tz)).date()


def test_demo_day_has_the_cases_a_downloader_must_handle() -> None:
    """Processing, missing duration, fresh, same-second pair, and events around the day."""
    events = demo_scenario(DAY, TZ).events
    on_day = [e for e in events if _local_day(e) == DAY]
    dings = [e for e in on_day if e.kind == "ding"]
    motions = [e for e in on_day if e.kind == "motion"]
    assert 7 <= len(dings) <= 10
    assert len(motions) >= 10
    assert {e.device_id for e in dings} == {FRONT_DOOR, BACK_DOOR}
    assert [e.recording_status for e in dings].count("processing") == 1
    assert sum(e.duration is None for e in dings) == 1
    assert sum(e.prepare_after_hits == 2 for e in dings) == 1
    seconds = [e.created_at.replace(microsecond=0) for e in dings]
    pairs = [e for e in dings if seconds.count(e.created_at.replace(microsecond=0)) == 2]
    assert len(pairs) == 2 and pairs[0].device_id != pairs[1].device_id
    assert any(_local_day(e) == DAY - timedelta(days=1) for e in events)
    assert any(_local_day(e) == DAY + timedelta(days=1) for e in events)
    assert all(150_000 <= e.size <= 600_000 for e in events)


def test_event_ids_are_int64_and_grow_with_time() -> None:
    """Ids are large, unique and ordered like created_at, as Ring's are."""
    events = sorted(demo_scenario(DAY, TZ).events, key=lambda e: (e.created_at, e.id))
    ids = [e.id for e in events]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(2**62 < i < 2**63 for i in ids)
    # Ring's ids carry the Unix second in their high 32 bits.
    assert all(e.id >> 32 == int(e.created_at.timestamp()) for e in events)


def test_demo_is_reproducible_and_depends_on_the_zone() -> None:
    """The same day and zone give the same scenario; another zone shifts the UTC times."""
    assert demo_scenario(DAY, TZ) == demo_scenario(DAY, TZ)
    paris = demo_scenario(DAY, "Europe/Paris")
    assert paris.events[0].created_at != demo_scenario(DAY, TZ).events[0].created_at
    assert all(d.time_zone == "Europe/Paris" for d in paris.devices)


def test_bulk_day_is_evenly_spaced_inside_the_local_day() -> None:
    """N events from start_hour to midnight, round-robin over the devices."""
    scenario = bulk_scenario(DAY, TZ, events=48, size=1000, devices=3, start_hour=12)
    events = scenario.events
    assert len(events) == 48 and len(scenario.devices) == 3
    assert all(_local_day(e) == DAY for e in events)
    first = events[0].created_at.astimezone(ZoneInfo(TZ))
    assert (first.hour, first.minute) == (12, 0)
    gaps = {b.created_at - a.created_at for a, b in itertools.pairwise(events)}
    assert gaps == {timedelta(minutes=15)}
    assert [e.device_id for e in events[:4]] == [d.id for d in scenario.devices] + [scenario.devices[0].id]


def test_bulk_day_handles_a_23_hour_dst_day() -> None:
    """On the spring-forward day the local day lasts 23 hours; events stay inside it."""
    spring = date(2024, 3, 10)
    events = bulk_scenario(spring, TZ, events=23, size=1000).events
    assert all(_local_day(e) == spring for e in events)
    assert events[1].created_at - events[0].created_at == timedelta(hours=1)


def test_round_trip_through_json(tmp_path: Path) -> None:
    """to_dict -> JSON file -> load_scenario gives the same scenario."""
    scenario = demo_scenario(DAY, TZ)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario.to_dict()))
    assert load_scenario(path) == scenario
    assert isinstance(scenario.to_dict()["events"][0]["id"], str)


def test_from_dict_with_defaults() -> None:
    """A minimal hand-written scenario fills in the documented defaults."""
    scenario = Scenario.from_dict(
        {
            "account": {"username": "u@example.com", "password": "p"},
            "devices": [{"id": 1, "description": "D", "kind": "lpd_v2", "device_type": "doorbots"}],
            "events": [{"id": "9", "device_id": 1, "created_at": "2024-02-02T11:21:24Z"}],
        }
    )
    event = scenario.events[0]
    assert event.created_at == datetime(2024, 2, 2, 11, 21, 24, tzinfo=UTC)
    assert (event.kind, event.duration, event.recording_status, event.size) == (
        "ding",
        30.0,
        "ready",
        200_000,
    )
    assert scenario.account.two_factor_code == "123456"


def test_partner_additions_default_and_round_trip() -> None:
    """Old scenario data gets the default partner app; sub types and the app survive JSON."""
    old = Scenario.from_dict({"account": {"username": "u", "password": "p"}})
    assert old.partner_app == PartnerApp("ringconnector-test-client", "ringconnector-test-secret")
    demo = demo_scenario(DAY, TZ)
    demo.partner_app = PartnerApp("my-app", "my-secret", "my-hmac-key")
    data = json.loads(json.dumps(demo.to_dict()))
    assert data["partner_app"] == {
        "client_id": "my-app",
        "client_secret": "my-secret",
        "hmac_key": "my-hmac-key",
    }
    assert Scenario.from_dict(data) == demo
    sub_types = {e.sub_type for e in demo.events if e.kind == "motion"}
    assert sub_types == {None, "human", "vehicle", "animal", "other_motion"}
    assert all(e.sub_type is None for e in demo.events if e.kind != "motion")
    bulk = bulk_scenario(DAY, TZ, events=3, size=1000, kind="motion", sub_type="animal")
    assert {e.sub_type for e in bulk.events} == {"animal"}


def test_partner_ids() -> None:
    """Partner ids wrap the consumer ids."""
    assert partner_device_id(1001) == "ava1.ring.device.1001"
    assert partner_event_id(7330963245622279024) == "ava1.ring.history.event.7330963245622279024"


_ACCOUNT = Account("u", "p")
_DOORBELL = Device(1, "D", "lpd_v2", "doorbots")
_CHIME = Device(2, "C", "chime", "chimes")
_NOW = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Device(1, "D", "lpd_v2", "cameras"), "device_type"),
        (lambda: Event(1, 1, datetime(2024, 1, 1)), "timezone-aware"),
        (lambda: Scenario(_ACCOUNT, [_DOORBELL, _DOORBELL]), "device ids"),
        (lambda: Scenario(_ACCOUNT, [_DOORBELL], [Event(1, 1, _NOW), Event(1, 1, _NOW)]), "event ids"),
        (lambda: Scenario(_ACCOUNT, [_CHIME], [Event(1, 2, _NOW)]), "no video device"),
        (lambda: Scenario.from_dict({"account": {"username": "u", "password": "p", "x": 1}}), "unknown"),
        (lambda: Event(1, 1, _NOW, kind="motion", sub_type="cat"), "sub_type"),
        (lambda: Event(1, 1, _NOW, kind="ding", sub_type="human"), "sub_type"),
    ],
)
def test_invalid_scenarios_are_refused(build: Any, message: str) -> None:
    """Mistakes in seed data fail at construction, with a pointed message."""
    with pytest.raises(ValueError, match=message):
        build()
