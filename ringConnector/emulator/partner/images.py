"""Partner image downloads: POST /v1/devices/{id}/media/image/download answers 303 to a pre-signed
JPEG on the storage host, with X-Media-Timestamp; or one of its documented errors.

Shapes (docs/ring-apis.md §2.6; Ring's API documentation, https://developer.amazon.com/docs/ring/
api-documentation.html; the forum thread https://community.amazondeveloper.com/t/obtaining-a-camera-
snapshot/28387): `type` "at_timestamp" (`timestamp`) or "latest_in_range" (`start_timestamp`,
`end_timestamp`, at most 24 h apart), epoch ms; errors 403 TIME_RANGE_NOT_AUTHORIZED, 416
MEDIA_NOT_FOUND, 425 RECORDING_NOT_READY, 422 CORRUPT_RECORDING, 503 SERVER_BUSY. It reads what
was recorded and never makes the camera take a picture. How soon after an event Ring has its
picture has no source: Event.still_after_seconds (0 unless a test or ring_now sets it).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote

from aiohttp import web

from ..http.gate import GATE, jsonapi_error, s3_error
from ..http.presigned import amz_query
from ..http.stills import still_jpeg
from ..http.storage import two_auth_mechanisms
from ..scenario import Event
from ..state import EmulatorState
from .clips import CLIP_SETTINGS, media_request
from .live_view import add_on_demand
from .payloads import event_window

# latest_in_range covers at most a day (docs/ring-apis.md §6).
MAX_RANGE_MS = 24 * 3600 * 1000
# The on_demand event an image download leaves in history (as clips do, by observation,
# docs/ring-apis.md §2.4; its length has no source: an assumption).
DOWNLOAD_EVENT_MS = 1_000
_ALL = 10**9


class ImageRequestError(ValueError):
    """A request body the image download refuses (400)."""


def parse_image_request(raw: bytes, now_ms: int) -> tuple[int, int, bool]:
    """(start, end, latest) of a valid body: at_timestamp is the window [t, t]."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as ex:
        raise ImageRequestError("the request body must be a JSON object") from ex
    if not isinstance(body, dict):
        raise ImageRequestError("the request body must be a JSON object")
    kind = body.get("type")
    names = {"at_timestamp": ("timestamp",), "latest_in_range": ("start_timestamp", "end_timestamp")}
    if kind not in names:
        raise ImageRequestError("type must be at_timestamp or latest_in_range")
    values = []
    for name in names[kind]:
        value = body.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ImageRequestError(f"{name} must be an integer (epoch milliseconds)")
        if value > now_ms:
            raise ImageRequestError(f"{name} must not be in the future")
        values.append(value)
    start, end = values[0], values[-1]
    if end < start or end - start > MAX_RANGE_MS:
        raise ImageRequestError("the range must run forwards and span at most 24 hours")
    return start, end, kind == "latest_in_range"


def _pictured(state: EmulatorState, device_id: int, start: int, end: int) -> Event | None:
    """The latest event with a recording whose window meets [start, end]."""
    found = [
        e
        for e in state.history(device_id, _ALL, None)
        if e.recording_status is not None and event_window(e)[0] <= end and event_window(e)[1] >= start
    ]
    return max(found, key=lambda e: (e.created_at, e.id), default=None)


async def image_download(request: web.Request) -> web.Response:
    """POST /v1/devices/{device_id}/media/image/download: 303 to the picture, or an error."""
    state = request.app[GATE].state
    partner = state.partner
    device_id = request.match_info["device_id"]
    checked = await media_request(request, parse_image_request)
    if isinstance(checked, web.Response):
        return checked
    device, (start, end, latest), now = checked
    event = _pictured(state, device.id, start, end)
    status = state.still_status(event) if event is not None else "none"
    if event is None or status == "none":
        return jsonapi_error(416, "no media recorded at the requested time", code="MEDIA_NOT_FOUND")
    if status == "forbidden":
        return jsonapi_error(403, "the requested time is not authorized", code="TIME_RANGE_NOT_AUTHORIZED")
    if status == "not_ready":
        return jsonapi_error(425, "the recording is not ready yet", code="RECORDING_NOT_READY")
    if status == "corrupt":
        return jsonapi_error(422, "the recording is corrupt", code="CORRUPT_RECORDING")
    add_on_demand(state, device_id, now, DOWNLOAD_EVENT_MS)
    taken = event_window(event)[0] if latest else start
    ticket, signature = partner.sign_image(device_id, str(event.id))
    query = amz_query(signature, datetime.fromtimestamp(partner.wall_clock(), UTC))
    storage = request.app[CLIP_SETTINGS].storage_url
    location = f"{storage}/images/{quote(device_id, safe='')}/{ticket}.jpg?{query}"
    return web.Response(status=303, headers={"Location": location, "X-Media-Timestamp": str(taken)})


async def storage_image(request: web.Request) -> web.Response:
    """GET /images/{device_id}/{ticket}.jpg?X-Amz-...: the picture decided at the redirect."""
    if "Authorization" in request.headers:
        return two_auth_mechanisms()
    key, refused = request.app[GATE].state.partner.signed_image(
        request.match_info["ticket"], request.query.get("X-Amz-Signature"), request.match_info["device_id"]
    )
    if key is None:
        return s3_error(403, "AccessDenied", refused or "")
    return web.Response(body=still_jpeg(key), content_type="image/jpeg")


def add_image_storage_routes(app: web.Application) -> None:
    """Add the pre-signed image URLs to the storage host's application."""
    app.router.add_get("/images/{device_id}/{ticket:[0-9a-f]+}.jpg", storage_image, name="image_storage")
