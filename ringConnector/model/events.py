"""A Ring event as the connector sees it, and the article's event JSON (docs/ring-apis.md §5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import quote

from ringConnector.model.days import EVENT_NAME_FORMAT, DayWindow, day_text, utc_text

# The article's status of a freshly downloaded event, for the pipeline to move on.
UNPROCESSED = "UNPROCESSED"
# What the pipeline may set an event's status to (PATCH /connector/events/<ringId>).
STATUSES = (UNPROCESSED, "PROCESSING", "PROCESSED", "FAILED", "IGNORED")
# The status of an event's first callback, its still before its video (watch mode's first look).
SNAPSHOT_STATUS = "SNAPSHOT"


class ArticleEventJson(TypedDict):
    """The article's event JSON, its fields in its order: the contract with the pipeline."""

    ringId: str  # Ring's int64 ids kept as strings; opaque strings on the Partner API
    date: str  # DAY_FORMAT, the local day in TIME_ZONE
    eventName: str  # EVENT_NAME_FORMAT, local time
    createdAt: str  # UTC_FORMAT
    answered: bool
    kind: str  # ding, motion, on_demand
    duration: float | None  # seconds; Ring omits it on some events
    videoFileName: str
    status: str  # one of STATUSES


class ClipPart(TypedDict):
    """One of the consecutive clips of an event longer than one Partner API clip."""

    videoFileName: str
    clipStart: str
    clipLengthMs: int


class EventJson(ArticleEventJson, total=False):
    """The event JSON as written: the article's fields, then what the connector adds."""

    deviceId: str
    deviceName: str
    clipStart: str  # Partner API: the clip's real start (X-Media-Timestamp), UTC_FORMAT
    clipLengthMs: int  # Partner API: its length (X-Media-Length)
    partial: bool  # Partner API: Ring delivered less than was asked (206)
    clips: list[ClipPart]  # Partner API: an event longer than 15 minutes, in parts
    subType: str  # Partner API: a motion event's sub type
    liveView: str  # record on demand: the state the live view reached
    snapshotFileName: str  # its still picture, beside the video (storage.stills)
    snapshotSource: str  # partner_image, consumer_snapshot or video_frame
    snapshotTakenAt: str  # the moment the still shows, UTC_FORMAT
    seq: int  # its number in the change feed


ARTICLE_FIELDS = tuple(ArticleEventJson.__annotations__)


@dataclass(frozen=True)
class Device:
    """A video device on the account, whichever source it came from."""

    id: str
    name: str
    kind: str
    device_type: str  # doorbots, authorized_doorbots, stickup_cams
    has_recordings: bool = True
    time_zone: str | None = None


@dataclass(frozen=True)
class RingEvent:
    """One history event with a (possible) recording; ids are strings (Ring's are int64)."""

    id: str
    device: Device
    created_at: datetime  # aware, UTC
    kind: str
    answered: bool = False
    duration: float | None = None  # Ring omits it on some events
    ready: bool = True  # the recording is finished and downloadable
    # History's recording.status ("ready", "processing", ...); None: no recording object.
    recording_status: str | None = "ready"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def event_name(self, window: DayWindow) -> str:
        """The article's eventName, YYYYmmdd-HHMMSS, in the day's own time zone."""
        return self.created_at.astimezone(window.zone).strftime(EVENT_NAME_FORMAT)

    @property
    def ended_at(self) -> datetime:
        """When the recording can first exist: the event's end (its start when Ring omits duration)."""
        return self.created_at + timedelta(seconds=max(self.duration or 0.0, 0.0))

    def preparing_for(self, now: datetime) -> float:
        """Seconds Ring has been preparing the recording at `now`: since the event began, as the
        recording is made while it happens (storage has it 50-90 s "after the event",
        docs/ring-apis.md §3). The retry waits are a quarter of this, so a 30 s ding is looked
        at a handful of times in its first minutes, not every 2 s."""
        return (now - self.created_at).total_seconds()

    def file_stem(self, window: DayWindow) -> str:
        """The file name without suffix: eventName first, the ring id keeps it unique.

        Ids are percent-escaped (Partner API ids are opaque strings: a "/" must not make a path).
        """
        return f"{self.event_name(window)}-{quote(self.id, safe='')}"


@dataclass(frozen=True)
class Unreadable:
    """A history item no parser reads (no time, no id, a shape never seen): it costs only itself.

    A source yields it in place of the event; the download reports it as a failure naming it
    and goes on with the day (docs/ring-apis.md §3: Ring's formats drift).
    """

    device: Device
    reason: str
    ring_id: str | None = None  # the item's id, when it has one


def event_json(event: RingEvent, window: DayWindow, video_path: Path) -> dict[str, Any]:
    """The event JSON (EventJson): the article's fields, which device, and the event's extras."""
    body: EventJson = {
        "ringId": event.id,
        "date": day_text(window.day),
        "eventName": event.event_name(window),
        "createdAt": utc_text(event.created_at),
        "answered": event.answered,
        "kind": event.kind,
        "duration": event.duration,
        "videoFileName": str(video_path),
        "status": UNPROCESSED,
        "deviceId": event.device.id,
        "deviceName": event.device.name,
    }
    return {**body, **event.extra}
