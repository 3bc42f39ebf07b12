"""The storage host: stands in for the S3 bucket that Ring's pre-signed recording URLs point to."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.utils import format_datetime
from typing import TYPE_CHECKING

from aiohttp import web

from .gate import GATE, GateConfig, gate, s3_error
from .media import iter_recording, recording_etag, recording_size
from .streaming import chunk_size, send_body

if TYPE_CHECKING:  # the shared state imports http/, so only its type is imported here
    from ..state import EmulatorState

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class StorageSettings:
    """How fast the storage host serves bodies."""

    # Bytes per second per connection; None for as fast as the loopback goes.
    bandwidth: float | None = None


SETTINGS = web.AppKey("storage_settings", StorageSettings)


def two_auth_mechanisms() -> web.Response:
    """Return S3's answer to a pre-signed URL fetched with an Authorization header too."""
    # What a client sending its Ring bearer token along to storage gets.
    return s3_error(
        400,
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
        "Signature query string parameter or the Authorization header should be specified",
    )


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


def create_storage_app(
    state: EmulatorState,
    stopping: asyncio.Event,
    *,
    first_byte_latency: float = 0.0,
    bandwidth: float | None = None,
) -> web.Application:
    """Build the storage host's application; `stopping` is set when the emulator shuts down."""
    if bandwidth is not None and bandwidth <= 0:
        raise ValueError("bandwidth must be positive or None")
    app = web.Application(middlewares=[gate])
    # The gate's latency delays every answer: a storage host's time to first byte.
    app[GATE] = GateConfig(state, stopping, first_byte_latency, xml_errors=True)
    app[SETTINGS] = StorageSettings(bandwidth)
    app.router.add_get(r"/recordings/{event_id:\d+}.mp4", recording, name="storage")
    return app
