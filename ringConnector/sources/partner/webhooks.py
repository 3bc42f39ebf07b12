"""Ring's Partner API webhooks (notifications): the signature check and the payload, read.

Facts (docs/ring-apis.md §2.10): Ring POSTs JSON with `X-Signature: sha256=<hex>`, the
HMAC-SHA256 of the raw body under the app's HMAC key
(https://developer.amazon.com/docs/ring/notifications.html), and the v1.1 payload of
https://developer.amazon.com/docs/ring/button-press.html and
https://developer.amazon.com/docs/ring/motion-detection.html. A webhook carries no history
event id and no end time: the event it announces is found in history (same device, start
within a few seconds).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ...errors import BadRequest, Unauthorized, shown
from ...model.days import parse_ring_time

SIGNATURE_HEADER = "X-Signature"
_PREFIX = "sha256="
# The types that announce a recording; every other (device_added, device_online, subscription
# and app-integration lifecycle ...) is acknowledged and ignored.
EVENT_TYPES = {"button_press": "ding", "motion_detected": "motion"}


@dataclass(frozen=True)
class Notification:
    """One webhook as the connector uses it."""

    request_id: str  # meta.request_id: Ring's idempotency key
    type: str  # data.type
    device_id: str | None  # data.attributes.source (a Partner device id)
    at: datetime | None  # data.attributes.timestamp, epoch ms, as UTC
    sub_type: str | None  # data.subType (Ring's page) or data.attributes.sub_type
    sent: datetime | None = None  # meta.time: when Ring sent it (None: absent or unreadable)

    @property
    def kind(self) -> str | None:
        """The history event kind it announces (`ding`, `motion`), or None for other types."""
        return EVENT_TYPES.get(self.type)


def signature(key: str, body: bytes) -> str:
    """The X-Signature value Ring sends for `body` under `key`."""
    return _PREFIX + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def verify(key: str, body: bytes, header: str | None) -> None:
    """Raise Unauthorized unless `header` is the signature of the raw `body` under `key`.

    Compared in constant time; every way to fail (no header, another scheme, a wrong digest)
    gets the same answer, so a prober learns nothing from it."""
    if not key:
        raise Unauthorized("webhooks are not accepted: RING_PARTNER_WEBHOOK_KEY is not set")
    expected = signature(key, body).encode()
    if header is None or not hmac.compare_digest(expected, header.strip().encode()):
        raise Unauthorized(f"no valid {SIGNATURE_HEADER} signature of the body")


def parse(body: bytes) -> Notification:
    """Read a verified webhook body; BadRequest when it is not Ring's envelope.

    Only `meta.request_id` and `data.type` are required: the rest is read where present, so a
    type never seen (or a future payload version) is acknowledged rather than refused."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BadRequest(f"the webhook body is not JSON: {error}") from None
    meta = _mapping(document, "meta")
    data = _mapping(document, "data")
    request_id, kind = meta.get("request_id"), data.get("type")
    if not isinstance(request_id, str) or not request_id or len(request_id) > 200:
        raise BadRequest(f"the webhook has no usable meta.request_id: {shown(str(request_id))}")
    if not isinstance(kind, str) or not kind:
        raise BadRequest(f"the webhook has no data.type: {shown(str(kind))}")
    found = data.get("attributes")
    attributes: dict[str, Any] = found if isinstance(found, dict) else {}
    source = attributes.get("source")
    sub_type = data.get("subType", attributes.get("sub_type"))
    return Notification(
        request_id=request_id,
        type=kind,
        device_id=source if isinstance(source, str) and source else None,
        at=_epoch_ms(attributes.get("timestamp")),
        sub_type=sub_type if isinstance(sub_type, str) else None,
        sent=_iso_time(meta.get("time")),
    )


def _mapping(document: Any, key: str) -> dict[str, Any]:
    value = document.get(key) if isinstance(document, dict) else None
    if not isinstance(value, dict):
        raise BadRequest(f"the webhook has no {key} object")
    return value


def _iso_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_ring_time(value)
    except ValueError:
        return None


def _epoch_ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None
