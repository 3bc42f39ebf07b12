"""Ready-made scenarios: a realistic demo day and evenly spaced bulk days for tests and benchmarks."""

from __future__ import annotations

import logging
import random
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .scenario import Account, Device, Event, Scenario

_LOGGER = logging.getLogger(__name__)

DEMO_USERNAME = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the emulator's fake account
DEMO_CODE = "123456"

FRONT_DOOR, BACK_DOOR, GARAGE, CHIME = 201_000_101, 201_000_102, 201_000_103, 201_000_104
# Most events fit one 12-bit sequence per second; bulk days of more than ~350M events don't.
_MAX_SEQ = 2**12


def event_id(created_at: datetime, seq: int = 0) -> int:
    """Return a Ring-like event id: the Unix second in the high 32 bits, so ids grow with time."""
    # Real ids decode this way: 7330963245622279024 >> 32 == 1706872884, which is its
    # created_at 2024-02-02T11:21:24Z. The low bits only have to be distinct and ordered.
    if not 0 <= seq < _MAX_SEQ:
        raise ValueError(f"at most {_MAX_SEQ} events per second")
    seconds = int(created_at.timestamp())
    noise = zlib.crc32(f"{seconds}:{seq}".encode()) & 0xFFFFF
    return (seconds << 32) | (seq << 20) | noise


@dataclass(frozen=True)
class _Spec:
    day_offset: int
    clock: str  # local "HH:MM:SS" or "HH:MM:SS.mmm"
    device_id: int
    kind: str
    extra: dict[str, Any]


def _spec(offset: int, clock: str, device_id: int, kind: str, **extra: Any) -> _Spec:
    return _Spec(offset, clock, device_id, kind, extra)


# A day of a house: dings on the two doorbells, motions on all three cameras, and the awkward
# cases the connector must cope with (processing, no duration, fresh, same-second, near midnight).
# Some motions carry the Partner API's sub type; the rest have none, as when Ring classified nothing.
# How long before `now` the demo's last event of today happened, at most.
DEMO_LEAD = timedelta(seconds=5)
_DEMO_DAY = (
    _spec(-1, "21:14:05", FRONT_DOOR, "motion", sub_type="human"),
    _spec(-1, "23:52:40", FRONT_DOOR, "ding"),
    _spec(0, "00:03:12", GARAGE, "motion", sub_type="animal"),
    _spec(0, "06:58:30.412", FRONT_DOOR, "motion", sub_type="human"),
    _spec(0, "07:42:10", FRONT_DOOR, "ding"),
    _spec(0, "08:15:44", GARAGE, "motion", sub_type="vehicle"),
    _spec(0, "09:15:03.087", BACK_DOOR, "ding", answered=True),
    _spec(0, "10:02:19", FRONT_DOOR, "motion", sub_type="vehicle"),
    _spec(0, "11:30:27", FRONT_DOOR, "ding", duration=None),
    _spec(0, "12:02:45", FRONT_DOOR, "ding"),
    _spec(0, "12:02:45", BACK_DOOR, "ding"),
    _spec(0, "12:40:09", BACK_DOOR, "motion", sub_type="human"),
    _spec(0, "13:05:51", GARAGE, "motion"),
    _spec(0, "15:11:37", BACK_DOOR, "motion"),
    _spec(0, "16:45:12", BACK_DOOR, "ding"),
    _spec(0, "17:20:02.950", FRONT_DOOR, "motion", sub_type="other_motion"),
    _spec(0, "18:05:33", FRONT_DOOR, "ding", answered=True),
    _spec(0, "19:30:15", BACK_DOOR, "motion"),
    _spec(0, "20:12:48", FRONT_DOOR, "motion", sub_type="human"),
    _spec(0, "21:03:05", GARAGE, "motion"),
    _spec(0, "22:41:17", FRONT_DOOR, "ding", recording_status="processing"),
    _spec(0, "23:10:58", BACK_DOOR, "ding", prepare_after_hits=2),
    _spec(0, "23:58:21", FRONT_DOOR, "motion"),
    _spec(1, "00:04:33", FRONT_DOOR, "ding"),
    _spec(1, "06:45:10", BACK_DOOR, "motion"),
)


def demo_account() -> Account:
    """Return the demo account (with a TOTP second factor)."""
    return Account(DEMO_USERNAME, DEMO_PASSWORD, two_factor_code=DEMO_CODE, tsv_state="totp")


def demo_devices(tz: str) -> list[Device]:
    """Return the demo house: two doorbells (one shared), a stick-up cam and a chime."""
    return [
        Device(FRONT_DOOR, "Front Door", "lpd_v2", "doorbots", time_zone=tz),
        Device(BACK_DOOR, "Back Door", "doorbell_v3", "authorized_doorbots", time_zone=tz),
        Device(GARAGE, "Garage", "cocoa_camera", "stickup_cams", time_zone=tz),
        Device(CHIME, "Hallway Chime", "chime", "chimes", time_zone=tz),
    ]


def _assign_ids(stamped: list[tuple[datetime, dict[str, Any]]]) -> list[Event]:
    # Sorting first makes ids increase with created_at; same-second events get a rising seq.
    stamped.sort(key=lambda item: item[0])
    events: list[Event] = []
    seen: dict[int, int] = {}
    for created_at, fields in stamped:
        second = int(created_at.timestamp())
        seq = seen.get(second, 0)
        seen[second] = seq + 1
        events.append(Event(id=event_id(created_at, seq), created_at=created_at, **fields))
    return events


def demo_scenario(day: date, tz: str, *, now: datetime | None = None) -> Scenario:
    """Return a realistic day `day` in zone `tz`, with a few events the day before and after.

    With `now` (the demo's "today"), nothing lies in the future: the day's events keep their
    order and spacing but are fitted between the day's start and a few seconds before `now`,
    and the next day's are left out. Ring lists only what has happened."""
    zone = ZoneInfo(tz)
    rng = random.Random(f"{day.isoformat()}:{tz}")  # noqa: S311 - reproducible data, not secrets
    start = datetime.combine(day, time(0), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    limit = None if now is None else max(start, min(end, now - DEMO_LEAD))
    stamped: list[tuple[datetime, dict[str, Any]]] = []
    for spec in _DEMO_DAY:
        if limit is not None and spec.day_offset > 0:
            continue  # tomorrow's events have not happened
        local = datetime.combine(day + timedelta(days=spec.day_offset), time.fromisoformat(spec.clock))
        fields: dict[str, Any] = {
            "device_id": spec.device_id,
            "kind": spec.kind,
            "duration": float(rng.randint(12, 60)),
            "size": rng.randint(150_000, 600_000),
        }
        fields.update(spec.extra)
        moment = local.replace(tzinfo=zone).astimezone(UTC)
        if limit is not None and spec.day_offset == 0:  # fitted into the part of today gone by
            moment = start + (moment - start) * ((limit - start) / (end - start))
            moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)  # Ring's ms
        stamped.append((moment, fields))
    events = _assign_ids(stamped)
    _LOGGER.debug("demo scenario for %s in %s: %d events", day, tz, len(events))
    return Scenario(account=demo_account(), devices=demo_devices(tz), events=events)


def bulk_scenario(
    day: date,
    tz: str,
    *,
    events: int,
    size: int,
    devices: int = 1,
    kind: str = "ding",
    start_hour: int = 0,
    sub_type: str | None = None,
) -> Scenario:
    """Return `events` evenly spaced events from `start_hour` to midnight of local `day`."""
    if events < 0 or devices < 1 or not 0 <= start_hour <= 23:
        raise ValueError("need events >= 0, devices >= 1 and 0 <= start_hour <= 23")
    zone = ZoneInfo(tz)
    # Subtract in UTC: aware datetimes sharing a tzinfo subtract as wall clocks, wrong across DST.
    start = datetime.combine(day, time(start_hour), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
    step_ms = (end - start) // timedelta(milliseconds=1) / max(events, 1)
    cameras = [
        Device(300_000_001 + n, f"Doorbell {n + 1}", "lpd_v2", "doorbots", time_zone=tz)
        for n in range(devices)
    ]
    stamped = [
        (
            start + timedelta(milliseconds=int(n * step_ms)),
            {"device_id": cameras[n % devices].id, "kind": kind, "size": size, "sub_type": sub_type},
        )
        for n in range(events)
    ]
    return Scenario(account=demo_account(), devices=cameras, events=_assign_ids(stamped))
