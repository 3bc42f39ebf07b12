"""Ring's pushes as they arrive decrypted (the "v2" notification): the shapes of ring_doorbell
0.9.14's test fixtures tests/fixtures/listen/fcmdata_v2.json, camera_motion_data.json and
*_android_config.json (https://github.com/python-ring-doorbell/python-ring-doorbell), which
ring_doorbell's RingEventListener._get_ring_event reads. Kept as fixtures in tests/fixtures/push/."""

from __future__ import annotations

import json
import secrets
from typing import Any

from ..http.stills import snapshot_uuid
from ..scenario import Device, Event

# ring_doorbell.const: PUSH_NOTIFICATION_DING / _MOTION, the android_config categories.
CATEGORIES = {"ding": "com.ring.pn.live-event.ding", "motion": "com.ring.pn.live-event.motion"}
_BODIES = {"ding": "🔔 Someone is at your {}", "motion": "There is motion at your {}"}


def push_notification(event: Event, device: Device, *, with_id: bool = True) -> dict[str, Any]:
    """The notification Ring pushes for a new `event` (before its recording exists).

    `with_id=False` leaves the ding id out, as some pushes do (docs/ring-apis.md §4)."""
    ding: dict[str, Any] = {
        "id": str(event.id),
        "created_at": event.created_at.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{event.created_at.microsecond // 1000:03d}Z",
        "subtype": event.kind,
        "detection_type": event.kind,
    }
    if not with_id:
        del ding["id"]
    data = {
        "device": {"e2ee_enabled": False, "id": device.id, "kind": device.kind, "name": device.description},
        "event": {
            "ding": ding,
            "eventito": {"type": event.kind, "timestamp": int(event.created_at.timestamp() * 1000)},
            "riid": secrets.token_hex(16),
            "is_sidewalk": False,
            "live_session": {
                "streaming_data_hash": "sh-v1|" + secrets.token_urlsafe(32),
                "active_streaming_profile": "rms",
                "default_audio_route": "loud_speaker",
                "max_duration": 600,
            },
        },
        "location": {"id": secrets.token_hex(8)},
    }
    android_config = {
        "category": CATEGORIES.get(event.kind, f"com.ring.pn.live-event.{event.kind}"),
        "channel": f"{event.kind}_channel_notification{device.id}",
        "body": _BODIES.get(event.kind, "{}").format(device.description),
    }
    return {
        "data": {
            "version": "2.0.0",
            "data": json.dumps(data),
            "analytics": json.dumps(
                {"server_session": secrets.token_hex(8), "triggered_at": ding["created_at"]}
            ),
            "android_config": json.dumps(android_config),
            # The event's picture, by uuid (camera_motion_img.json); none when Ring has none.
            "img": json.dumps({} if event.still == "none" else {"snapshot_uuid": snapshot_uuid(event.id)}),
            "video": {},
        },
        "from": "876313859327",
        "priority": "normal",
        "fcmMessageId": secrets.token_hex(16),
    }
