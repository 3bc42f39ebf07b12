"""Partner clip downloads: served directly on the partner host, or redirected to pre-signed storage."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar
from urllib.parse import quote

from aiohttp import web

from ..http.gate import GATE, drop, jsonapi_error, pause, s3_error
from ..http.media import iter_recording, recording_sha256, recording_size
from ..http.presigned import amz_query
from ..http.storage import SETTINGS, two_auth_mechanisms
from ..http.streaming import chunk_size, send_body
from ..scenario import Device
from ..state import EmulatorState
from .clip_request import Clip, decide, merge_windows, parse_clip_request
from .live_view import add_on_demand, offline, settle_sessions
from .payloads import event_window, find_device, has_video

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# The on_demand event a clip download leaves in history lasts this long (an assumption).
DOWNLOAD_EVENT_MS = 5_000
# Enough for every event of a device (the consumer history call pages; this one reads them all).
_ALL = 10**9


@dataclass(frozen=True)
class ClipSettings:
    """Where redirects point and how the partner host streams clips it serves itself."""

    storage_url: str
    bandwidth: float | None
    first_byte_latency: float


CLIP_SETTINGS = web.AppKey("clip_settings", ClipSettings)


def clip_body_size(clip: Clip, bytes_per_second: int) -> int:
    """Return the size asked of the clip's MP4 (media.recording_size raises it to the minimum)."""
    return clip.length_ms * bytes_per_second // 1000


def clip_sha256(clip: Clip, bytes_per_second: int) -> str:
    """Return the SHA-256 of a clip's body."""
    return recording_sha256(clip.key, clip_body_size(clip, bytes_per_second))


def footage(state: EmulatorState, device_id: int, now_ms: int) -> list[tuple[int, int]]:
    """Return a device's downloadable windows: events with a recording and ended live views, up
    to now less the processing time (Ring's page waits "to allow media processing" before a
    download; how long it takes has no source: 0 unless a test sets it)."""
    settle_sessions(state)
    events = state.history(device_id, _ALL, None)
    windows = (event_window(e) for e in events if e.recording_status is not None)
    ready_until = now_ms - state.partner.processing_ms
    return merge_windows((start, min(end, ready_until)) for start, end in windows if start < ready_until)


async def serve_clip(request: web.Request, clip: Clip, bandwidth: float | None) -> web.StreamResponse:
    """Stream a clip's MP4 with its X-Media headers; count it when the whole body went out."""
    partner = request.app[GATE].state.partner
    wanted = clip_body_size(clip, partner.clip_bytes_per_second)
    headers = {"X-Media-Timestamp": str(clip.start_ms), "X-Media-Length": str(clip.length_ms)}
    response = web.StreamResponse(status=clip.status, headers={"Content-Type": "video/mp4", **headers})
    response.content_length = recording_size(wanted)
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    pieces = iter_recording(clip.key, wanted, chunk_size(bandwidth))
    await send_body(
        request,
        response,
        pieces,
        recording_size(wanted),
        bandwidth=bandwidth,
        on_complete=lambda n: partner.count_clip_download(clip.device_id, n),
    )
    return response


async def media_request(
    request: web.Request, parse: Callable[[bytes, int], T]
) -> tuple[Device, T, int] | web.Response:
    """What both media downloads (clips, images) check first, in Ring's order: the device (404),
    a camera (400), the body (400: `parse` raises ValueError), online (503); then (the device,
    the parsed body, now in epoch ms)."""
    state = request.app[GATE].state
    device_id = request.match_info["device_id"]
    device = find_device(state, device_id)
    if device is None:
        return jsonapi_error(404, f"device {device_id} not found")
    raw = await request.read()
    if not has_video(device):
        return jsonapi_error(400, f"device {device_id} has no camera")
    now = state.partner.now_ms()
    try:
        parsed = parse(raw, now)
    except ValueError as ex:
        return jsonapi_error(400, str(ex))
    if state.partner.is_offline(device_id):
        return offline()
    return device, parsed, now


async def download(request: web.Request) -> web.StreamResponse:
    """POST /v1/devices/{device_id}/media/video/download: 200/206 MP4, a redirect, or an error."""
    state = request.app[GATE].state
    partner = state.partner
    device_id = request.match_info["device_id"]
    checked = await media_request(request, parse_clip_request)
    if isinstance(checked, web.Response):
        return checked
    device, (timestamp, duration), now = checked
    clip = decide(device_id, timestamp, duration, footage(state, device.id, now))
    if clip is None:
        detail = "the camera was not recording at any time in the requested window"
        return jsonapi_error(416, detail, code="TIMESTAMP_NOT_FOUND")
    # By observation, a clip download appears in history as an on_demand event of the moment it
    # was asked (docs/ring-apis.md §2.4; its length has no source: an assumption).
    add_on_demand(state, device_id, now, DOWNLOAD_EVENT_MS)
    settings = request.app[CLIP_SETTINGS]
    redirect = partner.clip_redirect
    if redirect is not None:
        # Decided now: the pre-signed URL serves exactly this clip, however late it is fetched.
        ticket, signature = partner.sign_clip(clip)
        query = amz_query(signature, datetime.fromtimestamp(partner.wall_clock(), UTC))
        location = f"{settings.storage_url}/clips/{quote(device_id, safe='')}/{ticket}.mp4?{query}"
        return web.Response(status=redirect, headers={"Location": location})
    # Served here, the clip still comes at storage's pace: same first-byte latency and bandwidth.
    if await pause(settings.first_byte_latency, request.app[GATE].stopping):
        return drop(request)
    return await serve_clip(request, clip, settings.bandwidth)


async def storage_clip(request: web.Request) -> web.StreamResponse:
    """GET/HEAD /clips/{device_id}/{ticket}.mp4?X-Amz-... on storage: the clip decided at redirect."""
    if "Authorization" in request.headers:
        return two_auth_mechanisms()
    partner = request.app[GATE].state.partner
    found = partner.signed_clip(
        request.match_info["ticket"], request.query.get("X-Amz-Signature"), request.match_info["device_id"]
    )
    if isinstance(found, str):
        return s3_error(403, "AccessDenied", found)
    return await serve_clip(request, found, request.app[SETTINGS].bandwidth)


async def storage_clip_method(request: web.Request) -> web.Response:
    """Any other method on a pre-signed clip URL (a 307 followed with POST): S3's 405."""
    message = f"The specified method is not allowed against this resource: {request.method}"
    return s3_error(405, "MethodNotAllowed", message, {"Allow": "GET, HEAD"})


async def log_clip_request(request: web.Request, response: web.StreamResponse) -> None:
    """Remember a clip download request and its final status (an on_response_prepare hook)."""
    body: object = None
    if request.transport is not None and not request.transport.is_closing():
        raw = await request.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
    request.app[GATE].state.partner.log_clip_request(
        {
            "device_id": request.match_info["device_id"],
            "body": body,
            "authorization": "Authorization" in request.headers,
            "status": response.status,
        }
    )


async def log_clip_fetch(request: web.Request, response: web.StreamResponse) -> None:
    """Remember a request to a pre-signed clip URL and its status (an on_response_prepare hook)."""
    if not (request.match_info.route.name or "").startswith("clip_storage"):
        return
    request.app[GATE].state.partner.log_clip_fetch(
        {
            "device_id": request.match_info["device_id"],
            "method": request.method,
            "authorization": "Authorization" in request.headers,
            "status": response.status,
        }
    )


def add_clip_storage_routes(app: web.Application) -> None:
    """Add the pre-signed clip URLs to the storage host's application."""
    path = "/clips/{device_id}/{ticket:[0-9a-f]+}.mp4"
    app.router.add_get(path, storage_clip, name="clip_storage")
    # Named outside faults.ROUTES, so the gate lets it through to answer S3's 405.
    app.router.add_route("*", path, storage_clip_method, name="clip_storage_method")
    app.on_response_prepare.append(log_clip_fetch)
