"""JSON:API bodies of the Partner API: its ids, devices, capabilities, history events and cursors."""

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

DEVICE_PREFIX = "ava1.ring.device."
EVENT_PREFIX = "ava1.ring.event."
_DEVICE_ID = re.compile(re.escape(DEVICE_PREFIX) + r"(\d+)")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# An event without a known duration still ends somewhere: Ring's recordings default to 30 s.
DEFAULT_DURATION_MS = 30_000
_DEVICE_TYPES = {
    "doorbots": "doorbell",
    "authorized_doorbots": "doorbell",
    "stickup_cams": "camera",
    "chimes": "chime",
}
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


def device_resource(device: Device) -> dict[str, Any]:
    """Return one device as listed by GET /v1/devices."""
    ident = partner_device_id(device.id)
    return {
        "type": "devices",
        "id": ident,
        "attributes": {
            "name": device.description,
            "device_type": _DEVICE_TYPES[device.device_type],
            "time_zone": device.time_zone,
        },
        "relationships": {"capabilities": {"data": {"type": "capabilities", "id": ident}}},
    }


def capabilities_resource(device: Device) -> dict[str, Any]:
    """Return a device's capabilities resource (GET /v1/devices/{id}/capabilities)."""
    video = has_video(device)
    return {
        "type": "capabilities",
        "id": partner_device_id(device.id),
        "attributes": {
            "video": {"supported": video},
            "audio": {"supported": video},
            "motion_detection": {"supported": video},
        },
    }


def history_item(event: Event) -> dict[str, Any]:
    """Return one event as listed by GET /v1/history/devices/{id}/events."""
    start, end = event_window(event)
    attributes: dict[str, Any] = {"event_type": event.kind}
    if event.sub_type is not None:
        attributes["sub_type"] = event.sub_type
    attributes |= {"start": start, "end": end, "is_third_party_reviewed": False}
    return {"type": "history-events", "id": partner_event_id(event.id), "attributes": attributes}


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
