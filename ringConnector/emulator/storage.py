"""The storage host: stands in for the S3 bucket that Ring's pre-signed recording URLs point to."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from email.utils import format_datetime

from aiohttp import web

from .gate import GATE, SHORT, GateConfig, gate, pause, s3_error
from .media import DEFAULT_CHUNK_SIZE, iter_recording, recording_etag, recording_size
from .state import EmulatorState

_LOGGER = logging.getLogger(__name__)

# With a bandwidth limit, send about this many chunks per second so the rate stays smooth.
_PACING_HZ = 20
_MIN_PACED_CHUNK = 1024


@dataclass(frozen=True)
class StorageSettings:
    """How fast the storage host serves bodies."""

    # Bytes per second per connection; None for as fast as the loopback goes.
    bandwidth: float | None = None


SETTINGS = web.AppKey("storage_settings", StorageSettings)


def _chunk_size(bandwidth: float | None) -> int:
    if bandwidth is None:
        return DEFAULT_CHUNK_SIZE
    return max(_MIN_PACED_CHUNK, min(DEFAULT_CHUNK_SIZE, int(bandwidth / _PACING_HZ)))


def _abort(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    # Closing after the headers went out leaves the client with fewer bytes than
    # Content-Length promised: exactly what a broken download looks like.
    if request.transport is not None:
        request.transport.close()
    return response


async def recording(request: web.Request) -> web.StreamResponse:
    """GET/HEAD /recordings/{event_id}.mp4?X-Amz-...: the recording, if signed and prepared."""
    state = request.app[GATE].state
    stopping = request.app[GATE].stopping
    event_id = int(request.match_info["event_id"])
    if "Authorization" in request.headers:
        # S3 refuses a request that carries both a pre-signed query and an Authorization
        # header, which is what a client sending its Ring bearer token to storage gets.
        return s3_error(
            400,
            "InvalidArgument",
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
            "Signature query string parameter or the Authorization header should be specified",
        )
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

    bandwidth = request.app[SETTINGS].bandwidth
    limit = size // 2 if request.get(SHORT) else size
    loop = asyncio.get_running_loop()
    started, sent = loop.time(), 0
    try:
        for piece in iter_recording(str(event_id), event.size, _chunk_size(bandwidth)):
            piece = piece[: limit - sent]
            await response.write(piece)
            sent += len(piece)
            state.record_bytes(event_id, len(piece))
            if sent >= limit:
                break
            # Sleeping until `sent` bytes are due holds the average rate whatever the jitter.
            due = 0.0 if bandwidth is None else started + sent / bandwidth - loop.time()
            if await pause(due, stopping):
                return _abort(request, response)
        if sent < size:
            return _abort(request, response)
        await response.write_eof()
    except ConnectionError:
        _LOGGER.debug("client left during recording %s after %d bytes", event_id, sent)
        return response
    state.record_download(event_id)
    _LOGGER.debug("served recording %s (%d bytes)", event_id, sent)
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
