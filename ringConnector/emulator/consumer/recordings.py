"""The consumer's recordings on the storage host: their pre-signed URLs, and the route serving them."""

from __future__ import annotations

import logging
from datetime import datetime
from email.utils import format_datetime

from aiohttp import web

from ..http.gate import GATE, s3_error
from ..http.media import iter_recording, recording_etag, recording_size
from ..http.presigned import amz_query
from ..http.storage import SETTINGS, two_auth_mechanisms
from ..http.streaming import chunk_size, send_body

_LOGGER = logging.getLogger(__name__)


def recording_url(storage_url: str, event_id: int, signature: str, now: datetime) -> str:
    """Return an S3-style pre-signed URL of a recording on the storage host."""
    return f"{storage_url}/recordings/{event_id}.mp4?{amz_query(signature, now)}"


async def recording(request: web.Request) -> web.StreamResponse:
    """GET/HEAD /recordings/{event_id}.mp4?X-Amz-...: the recording, if signed and prepared."""
    state = request.app[GATE].state
    event_id = int(request.match_info["event_id"])
    if "Authorization" in request.headers:
        return two_auth_mechanisms()
    problem = state.check_signature(request.query.get("X-Amz-Signature"), event_id)
    if problem is not None:
        return s3_error(403, "AccessDenied", problem)
    event = state.event(event_id)
    if event is None or not state.storage_ready(event, hit=request.method == "GET"):
        return s3_error(404, "NoSuchKey", "The specified key does not exist.")

    size = recording_size(event.size)
    response = web.StreamResponse(
        headers={
            "Content-Type": "video/mp4",
            "ETag": recording_etag(str(event_id), event.size),
            "Last-Modified": format_datetime(event.created_at, usegmt=True),
        }
    )
    response.content_length = size
    await response.prepare(request)
    if request.method == "HEAD":
        return response

    with state.streaming():
        await state.together()
        complete = await send_body(
            request,
            response,
            iter_recording(str(event_id), event.size, chunk_size(request.app[SETTINGS].bandwidth)),
            size,
            bandwidth=request.app[SETTINGS].bandwidth,
            on_bytes=lambda n: state.record_bytes(event_id, n),
            on_complete=lambda n: state.record_download(event_id, n),
        )
    if complete:
        _LOGGER.debug("served recording %s (%d bytes)", event_id, size)
    return response


def add_recording_routes(app: web.Application) -> None:
    """Add the recordings' pre-signed URLs to the storage host's application."""
    app.router.add_get(r"/recordings/{event_id:\d+}.mp4", recording, name="storage")
