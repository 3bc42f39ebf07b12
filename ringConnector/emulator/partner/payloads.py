"""JSON:API bodies of the Partner API on Ring's documented shapes: ids, devices and their related
resources, history events and cursors (tests/fixtures/partner/SOURCES.md lists the sources)."""

from __future__ import annotations

import base64
import binascii
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ..scenario import Device, Event
from ..state import EmulatorState

_LOGGER = logging.getLogger(__name__)

# Ids as the device discovery page shows them (ava1.ring.device.XXXYYY and related resources with
# ids of their own, https://developer.amazon.com/docs/ring/device-discovery.html); the part after
# the prefix is the consumer id here, but opaque to clients (docs/ring-apis.md §2.2).
DEVICE_PREFIX = "ava1.ring.device."
# History event ids: recorded Playground answers (docs/ring-apis.md §2.4, an assumption).
EVENT_PREFIX = "ava1.ring.history.event."
_DEVICE_ID = re.compile(re.escape(DEVICE_PREFIX) + r"(\d+)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# An event without a known duration still ends somewhere: Ring's recordings default to 30 s.
DEFAULT_DURATION_MS = 30_000
# The capabilities resource is one fixed set of keys, null for what a device lacks (recorded
# Playground answers, docs/ring-apis.md §2.2; the capabilities page shows the first three).
CAPABILITY_KEYS = (
    "video",
    "motion_detection",
    "image_enhancements",
    "flood_detection",
    "contact_detection",
    "battery_status",
)
# The location page's example values (https://developer.amazon.com/docs/ring/locations.html).
COUNTRY, STATE = "US", "GA"
# The cursor names its device so that a page[key] from one device's history fails on another's.
_CURSOR_VERSION = "c1"


def partner_device_id(device_id: int) -> str:
    """Return the Partner API's id of a device, from its consumer API id."""
    return f"{DEVICE_PREFIX}{device_id}"


def partner_event_id(event_id: int) -> str:
    """Return the Partner API's id of a history event, from its consumer API id."""
    return f"{EVENT_PREFIX}{event_id}"


def consumer_device_id(device_id: str) -> int | None:
    """Return the consumer API id behind a Partner API device id, or None if it is not one."""
    match = _DEVICE_ID.fullmatch(device_id)
    return int(match.group(1)) if match else None


def find_device(state: EmulatorState, device_id: str) -> Device | None:
    """Return the device a Partner API device id names, or None."""
    consumer = consumer_device_id(device_id)
    return None if consumer is None else state.device(consumer)


def epoch_ms(moment: datetime) -> int:
    """Return an aware datetime as epoch milliseconds (exact integer arithmetic)."""
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(ms: int) -> datetime:
    """Return epoch milliseconds as an aware UTC datetime."""
    return _EPOCH + timedelta(milliseconds=ms)


def event_window(event: Event) -> tuple[int, int]:
    """Return an event's [start, end] in epoch milliseconds."""
    start = epoch_ms(event.created_at)
    duration = DEFAULT_DURATION_MS if event.duration is None else round(event.duration * 1000)
    return start, start + duration


def has_video(device: Device) -> bool:
    """Tell whether a device records video (chimes do not)."""
    return device.device_type != "chimes"


def meta_time(now: float) -> dict[str, str]:
    """Return the `meta` every Partner API document carries (device discovery page's format)."""
    return {"time": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _related(device: Device, name: str, kind: str) -> dict[str, Any]:
    # The device discovery page: {"data": {"type", "id"}, "links": {"related"}}.
    return {
        "data": {"type": kind, "id": f"{DEVICE_PREFIX}{name}.{device.id}"},
        "links": {"related": f"/v1/devices/{partner_device_id(device.id)}/{name}"},
    }


def device_resource(device: Device) -> dict[str, Any]:
    """Return one device as listed by GET /v1/devices: a name, an image and its relationships.

    No kind, type, model or time zone: Ring sends none (docs/ring-apis.md §2.2).
    """
    return {
        "type": "devices",
        "id": partner_device_id(device.id),
        # image_url: recorded Playground answers (docs/ring-apis.md §2.2), not the docs' example.
        "attributes": {
            "name": device.description,
            "image_url": f"https://ring.invalid/images/{device.id}.png",
        },
        "relationships": {
            "status": _related(device, "status", "device-status"),
            "capabilities": _related(device, "capabilities", "device-capabilities"),
            "configurations": _related(device, "configurations", "device-configurations"),
            "location": _related(device, "location", "locations"),
        },
    }


def capabilities_resource(device: Device) -> dict[str, Any]:
    """Return a device's capabilities (https://developer.amazon.com/docs/ring/capabilities.html)."""
    attributes: dict[str, Any] = dict.fromkeys(CAPABILITY_KEYS)
    if has_video(device):
        attributes["video"] = {
            "configurations": ["resolution_mode"],
            "codecs": ["AVC"],
            "ratio": "16:9",
            "max_resolution": 1080,
            "supported_resolutions": [1080],
        }
        attributes["motion_detection"] = {"configurations": ["enabled", "motion_zones"]}
        attributes["image_enhancements"] = {"configurations": ["hdr", "privacy_zones"]}
    return {
        "type": "device-capabilities",
        "id": f"{DEVICE_PREFIX}capabilities.{device.id}",
        "attributes": attributes,
        "relationships": {
            "configurations": {
                "links": {"related": f"/v1/devices/{partner_device_id(device.id)}/configurations"}
            }
        },
    }


def status_resource(device: Device, online: bool) -> dict[str, Any]:
    """Return a device's status (https://developer.amazon.com/docs/ring/status.html)."""
    return {
        "type": "device-status",
        "id": f"{DEVICE_PREFIX}status.{device.id}",
        "attributes": {"online": online},
    }


def configurations_resource(device: Device) -> dict[str, Any]:
    """Return a device's configurations (https://developer.amazon.com/docs/ring/configurations.html)."""
    attributes: dict[str, Any] = {"motion_detection": None, "image_enhancements": None}
    if has_video(device):
        attributes["motion_detection"] = {"enabled": "on", "motion_zones": []}
        attributes["image_enhancements"] = {"hdr": "off", "privacy_zones": []}
    return {
        "type": "device-configurations",
        "id": f"{DEVICE_PREFIX}configurations.{device.id}",
        "attributes": attributes,
    }


def location_resource(device: Device) -> dict[str, Any]:
    """Return a device's location: country and state, no time zone (locations page)."""
    return {
        "type": "locations",
        "id": f"ava1.ring.location.{device.location_id}",
        "attributes": {"country": COUNTRY, "state": STATE},
    }


def history_item(event: Event) -> dict[str, Any]:
    """Return one event as listed by GET /v1/history/devices/{id}/events (recorded answers, §2.4).

    No `sub_type`: none has been seen; motion sub types are filters of the query only.
    """
    start, end = event_window(event)
    item: dict[str, Any] = {
        "type": "history-events",
        "id": event.partner_id or partner_event_id(event.id),
        "attributes": {
            "event_type": event.kind,
            # What a format change could make of it (Event.created_at_text): the same field in
            # another shape, as the consumer host does with created_at.
            "start": start if event.created_at_text is None else event.created_at_text,
            "end": end,
            "is_third_party_reviewed": False,
        },
        "relationships": {
            "source": {"data": {"type": "devices", "id": partner_device_id(event.device_id)}},
            "cv_detections": {"data": []},
        },
        "meta": {"riid": None},
    }
    if event.without_id:
        del item["id"]
    return item


def encode_cursor(device_id: str, start: int, event_id: int) -> str:
    """Return the opaque page[key] that continues after the event (start, event_id)."""
    raw = f"{_CURSOR_VERSION}|{device_id}|{start}|{event_id}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, device_id: str) -> tuple[int, int] | None:
    """Return the (start, event id) a page[key] continues after, or None if it is not a valid one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        version, owner, start, event_id = raw.split("|")
        position = (int(start), int(event_id))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return position if (version, owner) == (_CURSOR_VERSION, device_id) else None
