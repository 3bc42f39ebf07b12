"""Writing a media body at a set bandwidth, cut short or aborted the way a broken download is."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from aiohttp import web

from .gate import GATE, SHORT, pause
from .media import DEFAULT_CHUNK_SIZE

_LOGGER = logging.getLogger(__name__)

# With a bandwidth limit, send about this many chunks per second so the rate stays smooth.
_PACING_HZ = 20
_MIN_PACED_CHUNK = 1024


def chunk_size(bandwidth: float | None) -> int:
    """Return the chunk size that paces `bandwidth` bytes/s smoothly (the default if unlimited)."""
    if bandwidth is None:
        return DEFAULT_CHUNK_SIZE
    return max(_MIN_PACED_CHUNK, min(DEFAULT_CHUNK_SIZE, int(bandwidth / _PACING_HZ)))


def abort(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Close the connection mid-body: the client gets fewer bytes than Content-Length promised."""
    if request.transport is not None:
        request.transport.close()
    return response


async def send_body(
    request: web.Request,
    response: web.StreamResponse,
    pieces: Iterable[bytes],
    size: int,
    *,
    bandwidth: float | None,
    on_bytes: Callable[[int], None] | None = None,
    on_complete: Callable[[int], None] | None = None,
) -> bool:
    """Write the prepared response's `size`-byte body; return True only if all of it went out.

    `on_complete(1)` runs just before the last bytes are written, and `on_complete(-1)` if that
    write then fails: a client that has read the whole body always finds the download counted.
    """
    stopping = request.app[GATE].stopping
    # A "short" fault sends half the body, then closes.
    limit = size // 2 if request.get(SHORT) else size
    loop = asyncio.get_running_loop()
    started, sent, counted = loop.time(), 0, False
    try:
        for piece in pieces:
            piece = piece[: limit - sent]
            if on_complete is not None and sent + len(piece) >= size:
                on_complete(1)
                counted = True
            await response.write(piece)
            sent += len(piece)
            if on_bytes is not None:
                on_bytes(len(piece))
            if sent >= limit:
                break
            # Sleeping until `sent` bytes are due holds the average rate whatever the jitter.
            due = 0.0 if bandwidth is None else started + sent / bandwidth - loop.time()
            if await pause(due, stopping):
                abort(request, response)
                return False
        if sent < size:
            abort(request, response)
            return False
        await response.write_eof()
    except (ConnectionError, asyncio.CancelledError) as ex:
        _LOGGER.debug("client left after %d of %d bytes", sent, size)
        if counted and on_complete is not None and sent < size:
            on_complete(-1)
        if isinstance(ex, asyncio.CancelledError):
            raise
        return False
    return True
