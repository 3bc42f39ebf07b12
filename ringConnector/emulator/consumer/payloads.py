"""JSON bodies shaped like Ring's consumer API's: profile, devices and history items."""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

from ..scenario import Account, Device, Event

_LOGGER = logging.getLogger(__name__)

# Ring devices report firmware like this; ring_doorbell only displays it.
_FIRMWARE = {"doorbots": "cam-1.24.4", "authorized_doorbots": "cam-1.24.4", "stickup_cams": "cam-1.24.4"}
_OWNER = {"id": 4100001, "first_name": "Demo", "last_name": "User"}
# Someone else's house: the owner of a device shared with the account (authorized_doorbots).
_OTHER_OWNER = {"id": 4100002, "first_name": "Pat", "last_name": "Neighbour", "email": ""}


def _mac(device: Device) -> str:
    return f"{device.id * 7919 & 0xFFFFFFFFFFFF:012x}"


def device(device: Device, account: Account) -> dict[str, Any]:
    """Return one device as listed by GET /clients_api/ring_devices."""
    shared = device.device_type == "authorized_doorbots"
    owner = _OTHER_OWNER if shared else {**_OWNER, "email": account.username}
    body: dict[str, Any] = {
        "id": device.id,
        "description": device.description,
        "device_id": _mac(device),
        "kind": device.kind,
        "time_zone": device.time_zone,
        "location_id": device.location_id,
        "address": "1 Emulator Lane",
        "latitude": 40.7128,
        "longitude": -74.006,
        "firmware_version": _FIRMWARE.get(device.device_type, "Up to Date"),
        "alerts": {"connection": "online"},
        "owned": not shared,
        "owner": owner,
        "stolen": False,
    }
    if device.device_type == "chimes":
        body["features"] = {"ringtones_enabled": True}
        body["settings"] = {"volume": 5, "ding_audio_id": None, "motion_audio_id": None}
        body["do_not_disturb"] = {"seconds_left": 0}
        return body
    body["features"] = {
        "motions_enabled": True,
        "show_recordings": device.show_recordings,
        "show_vod_settings": True,
        "advanced_motion_enabled": False,
        "people_only_enabled": False,
        "shadow_correction_enabled": False,
    }
    body["settings"] = {
        "chime_settings": {"type": 0, "enable": True, "duration": 3},
        "doorbell_volume": 5,
        "enable_vod": True,
        "live_view_preset_profile": "highest",
        "live_view_presets": ["low", "middle", "high", "highest"],
        "motion_detection_enabled": True,
        "motion_announcement": False,
        "motion_snooze_preset_profile": "low",
        "motion_snooze_presets": ["none", "low", "medium", "high"],
    }
    body["battery_life"] = 87
    body["motion_snooze"] = None
    body["external_connection"] = False
    # ring_doorbell's `subscribed` only checks the key is present; the value follows the plan.
    body["subscribed"] = device.show_recordings
    body["subscribed_motions"] = device.show_recordings
    return body


def ring_time(event: Event) -> str:
    """Format created_at the way Ring does, which varies: ".000Z", real milliseconds, or "Z"."""
    stamp = event.created_at.astimezone(UTC)
    base = stamp.strftime("%Y-%m-%dT%H:%M:%S")
    if stamp.microsecond:
        return f"{base}.{stamp.microsecond // 1000:03d}Z"
    # Some real events come without fractional seconds; pick which from the time, reproducibly.
    return f"{base}Z" if stamp.second % 3 == 0 else f"{base}.000Z"


def history_item(event: Event, device: Device) -> dict[str, Any]:
    """Return one event as listed by GET /clients_api/doorbots/{id}/history (the state's copy
    carries the recording's status at the time asked, ConsumerState.recording_status)."""
    has_video = event.recording_status is not None and device.show_recordings
    item: dict[str, Any] = {
        "id": event.id,
        # Ring has changed this format before: HA core #106143 (".695Z" where ".000Z" was parsed).
        "created_at": event.created_at_text if event.created_at_text is not None else ring_time(event),
        "answered": event.answered,
        "events": [],
        "kind": event.kind,
        "favorite": False,
        "snapshot_url": "",
        "recording": {"status": event.recording_status} if has_video else None,
        "cv_properties": {
            "person_detected": None,
            "stream_broken": False,
            "detection_type": None,
            "cv_triggers": None,
            "detection_types": None,
            "security_alerts": None,
        },
        "properties": {"is_alexa": False, "is_sidewalk": False, "is_autoreply": False},
        "doorbot": {"id": device.id, "description": device.description, "type": device.kind},
        "device_placement": None,
        "geolocation": None,
        "last_location": None,
        "siren": None,
        "is_e2ee": False,
        "had_subscription": device.show_recordings,
        "owner_id": str(_OWNER["id"]),
    }
    if event.duration is not None:
        item["duration"] = event.duration
    if event.without_id:
        del item["id"]
    if event.without_recording_key:
        del item["recording"]
    return item
