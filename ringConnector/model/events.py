"""A Ring event as the connector sees it, and the article's event JSON built from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ringConnector.model.days import DayWindow

# The article's status of a freshly downloaded event, for the pipeline to move on.
UNPROCESSED = "UNPROCESSED"
# What the pipeline may set an event's status to (PATCH /connector/events/<ringId>).
STATUSES = (UNPROCESSED, "PROCESSING", "PROCESSED", "FAILED", "IGNORED")
# The article's event JSON fields, in its order: the contract with the pipeline.
ARTICLE_FIELDS = (
    "ringId",
    "date",
    "eventName",
    "createdAt",
    "answered",
    "kind",
    "duration",
    "videoFileName",
    "status",
)


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
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def event_name(self, window: DayWindow) -> str:
        """The article's eventName, YYYYmmdd-HHMMSS, in the day's own time zone."""
        return self.created_at.astimezone(window.zone).strftime("%Y%m%d-%H%M%S")

    def file_stem(self, window: DayWindow) -> str:
        """The file name without suffix: eventName first, the ring id keeps it unique.

        Ids are percent-escaped (Partner API ids are opaque strings: a "/" must not make a path).
        """
        return f"{self.event_name(window)}-{quote(self.id, safe='')}"


def event_json(event: RingEvent, window: DayWindow, video_path: Path) -> dict[str, Any]:
    """The article's event JSON (its fields and their types), plus which device it came from."""
    body: dict[str, Any] = {
        "ringId": event.id,
        "date": window.day.strftime("%Y%m%d"),
        "eventName": event.event_name(window),
        "createdAt": event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "answered": event.answered,
        "kind": event.kind,
        "duration": event.duration,
        "videoFileName": str(video_path),
        "status": UNPROCESSED,
        "deviceId": event.device.id,
        "deviceName": event.device.name,
    }
    body.update(event.extra)
    return body
