"""The emulator's seed data: an account, its devices and their events, loadable from JSON."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_LOGGER = logging.getLogger(__name__)

# The four device lists of GET /clients_api/ring_devices that the emulator can fill.
DEVICE_TYPES = ("doorbots", "authorized_doorbots", "stickup_cams", "chimes")
# Chimes make no recordings, so they have no history.
VIDEO_DEVICE_TYPES = ("doorbots", "authorized_doorbots", "stickup_cams")
# The Partner API's motion sub types (history filter "motion.human" and so on).
MOTION_SUB_TYPES = ("human", "vehicle", "animal", "other_motion")
# What Ring has of an event's still picture (Event.still).
STILLS = ("ready", "none", "corrupt", "forbidden")


@dataclass
class PartnerApp:
    """The one Partner API client (an app registered with Ring) the emulator accepts."""

    client_id: str = "ringconnector-test-client"
    client_secret: str = "ringconnector-test-secret"  # noqa: S105 - the emulator's fake client
    # The key Ring issues with the credentials and signs webhooks with (notifications.html).
    hmac_key: str = "ringconnector-test-hmac-key"


@dataclass
class Account:
    """The one Ring account the emulator knows."""

    username: str
    password: str
    # None means the account has no two-factor authentication.
    two_factor_code: str | None = "123456"
    tsv_state: str = "totp"


@dataclass
class Device:
    """A Ring device as listed by GET /clients_api/ring_devices."""

    id: int
    description: str
    kind: str
    device_type: str
    time_zone: str = "America/New_York"
    location_id: str = "loc-1"
    # False stands for "no Ring Protect subscription": history but no recordings.
    show_recordings: bool = True
    # Partner API only: a battery device's live view ends after 30 s, a line-powered one's after
    # 60 s (docs/ring-apis.md §2.7). No Partner resource says which a device is (an assumption).
    battery: bool = False

    def __post_init__(self) -> None:
        """Reject device types the devices endpoint has no list for."""
        if self.device_type not in DEVICE_TYPES:
            raise ValueError(f"device_type must be one of {DEVICE_TYPES}: {self.device_type!r}")


@dataclass
class Event:
    """A history event of one device, and how its recording behaves in storage."""

    id: int
    device_id: int
    created_at: datetime
    kind: str = "ding"
    answered: bool = False
    # None: the "duration" field is absent from the history item, as on some real events.
    duration: float | None = 30.0
    # None: "recording": null in the history item and no recording URL.
    recording_status: str | None = "ready"
    size: int = 200_000
    # Storage answers 404 to the first N GETs, like a recording Ring has not prepared yet.
    prepare_after_hits: int = 0
    # Storage answers 404 until this many seconds after the emulator started.
    prepare_after_seconds: float = 0.0
    # Ring has the recording ready this many seconds after the emulator started, on its clock:
    # before, history says `recording_status_before` and storage answers 404. None: from the start.
    ready_after_seconds: float | None = None
    recording_status_before: str = "processing"
    # How Ring's format changes could show in the history item (docs/ring-apis.md §3):
    # created_at written as this text instead (None: Ring's usual format), no "id" key at all,
    # no "recording" key at all (rather than null).
    created_at_text: str | None = None
    without_id: bool = False
    without_recording_key: bool = False
    # Motions only: what the Partner API says moved (one of MOTION_SUB_TYPES), None if unknown.
    sub_type: str | None = None
    # Ring's still picture of the event (the Partner API's image download, the consumer API's
    # snapshot named by the push): one of STILLS. "none": Ring has none (Partner 416, consumer
    # 404); "corrupt": Partner 422 CORRUPT_RECORDING, consumer bytes no JPEG decoder reads;
    # "forbidden": Partner 403 TIME_RANGE_NOT_AUTHORIZED.
    still: str = "ready"
    # Ring has the still this many seconds after the emulator started, on its clock (None: from
    # the start); before, the Partner API answers 425 RECORDING_NOT_READY and the consumer 404.
    still_after_seconds: float | None = None
    # The Partner API's history id, when a test wants one of its own: Ring's ids are opaque
    # strings (docs/ring-apis.md §2.4), so a client must take any characters in them. None:
    # ava1.ring.history.event.<id>, the shape of recorded answers.
    partner_id: str | None = None

    def __post_init__(self) -> None:
        """Insist on aware datetimes (Ring's created_at is UTC, days are local) and known sub types."""
        if self.created_at.tzinfo is None:
            raise ValueError(f"event {self.id}: created_at must be timezone-aware")
        if self.sub_type is not None and (self.kind != "motion" or self.sub_type not in MOTION_SUB_TYPES):
            raise ValueError(f"event {self.id}: sub_type must be one of {MOTION_SUB_TYPES}, on motions only")
        if self.still not in STILLS:
            raise ValueError(f"event {self.id}: still must be one of {STILLS}")
        self.created_at = self.created_at.astimezone(UTC)


@dataclass
class Scenario:
    """Everything the emulator serves: the account, its devices and their events."""

    account: Account
    devices: list[Device] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    partner_app: PartnerApp = field(default_factory=PartnerApp)

    def __post_init__(self) -> None:
        """Check ids are unique and every event belongs to a video device."""
        device_ids = [d.id for d in self.devices]
        if len(set(device_ids)) != len(device_ids):
            raise ValueError("device ids must be unique")
        event_ids = [e.id for e in self.events]
        if len(set(event_ids)) != len(event_ids):
            raise ValueError("event ids must be unique")
        video = {d.id for d in self.devices if d.device_type in VIDEO_DEVICE_TYPES}
        for event in self.events:
            if event.device_id not in video:
                raise ValueError(f"event {event.id}: no video device {event.device_id}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        """Build a scenario from plain data (as produced by `to_dict` or read from JSON)."""
        events = []
        for raw in data.get("events", []):
            item = _known_fields(Event, raw)
            item["id"] = int(item["id"])
            item["device_id"] = int(item["device_id"])
            item["created_at"] = _parse_time(item["created_at"])
            events.append(Event(**item))
        devices = []
        for raw in data.get("devices", []):
            item = _known_fields(Device, raw)
            item["id"] = int(item["id"])
            devices.append(Device(**item))
        account = Account(**_known_fields(Account, data["account"]))
        # Scenarios written before the Partner API have no partner_app: the default client.
        app = PartnerApp(**_known_fields(PartnerApp, data.get("partner_app", {})))
        return cls(account=account, devices=devices, events=events, partner_app=app)

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as JSON-ready plain data."""
        data = asdict(self)
        for event in data["events"]:
            event["created_at"] = event["created_at"].isoformat().replace("+00:00", "Z")
            # Event ids exceed 2**53: strings keep them exact for JavaScript readers.
            event["id"] = str(event["id"])
        return data


def _known_fields(cls: type, raw: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    unknown = set(raw) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields: {sorted(unknown)}")
    return dict(raw)


def _parse_time(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    # fromisoformat on 3.11 accepts a trailing "Z"; a naive string is taken as UTC.
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario from a JSON file."""
    with Path(path).open(encoding="utf-8") as handle:
        data = json.load(handle)
    scenario = Scenario.from_dict(data)
    _LOGGER.info(
        "loaded scenario %s: %d devices, %d events", path, len(scenario.devices), len(scenario.events)
    )
    return scenario
