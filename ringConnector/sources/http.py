"""Streaming a recording from storage into a temporary file, in chunks, checking its length."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

import aiohttp

from ringConnector.errors import DownloadFailed, TransientError
from ringConnector.storage.atomic import AtomicFile

_LOGGER = logging.getLogger(__name__)
# 1 MiB reads keep Python's per-chunk overhead negligible while memory stays flat.
CHUNK_SIZE = 1 << 20
# Statuses worth retrying at storage: 404 until Ring has prepared a fresh recording,
# 403 when a pre-signed URL expired (a new one is fetched), rate limits and server errors
# (RING_APIS.md, "Known behaviour that bites").
_RETRYABLE = {403: "url_expired", 404: "not_ready", 408: "timeout", 429: "rate_limited"}


def redact(url: str) -> str:
    """A URL fit for logs: pre-signed query strings carry signatures, so they are dropped."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form), or None."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff


def classify(status: int, headers: Mapping[str, str], what: str) -> Exception:
    """The error for an unexpected HTTP status: TransientError to retry, DownloadFailed to give up."""
    if status in _RETRYABLE or status >= 500:
        cause = _RETRYABLE.get(status, "server_error")
        return TransientError(f"{what}: HTTP {status}", cause=cause, retry_after=retry_after(headers))
    return DownloadFailed(f"{what}: HTTP {status}")


async def stream_to_file(
    http: aiohttp.ClientSession,
    url: str,
    out: AtomicFile,
    *,
    timeout: float,
    what: str,
) -> Mapping[str, str]:
    """GET `url` (no Ring credentials: storage URLs are pre-signed) into `out`; return the headers."""
    out.reset()
    client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
    try:
        # identity: a compressed body would be decompressed and never match Content-Length.
        async with http.get(url, timeout=client_timeout, headers={"Accept-Encoding": "identity"}) as response:
            if response.status != 200:
                raise classify(response.status, response.headers, what)
            expected = response.content_length
            async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                out.write(chunk)
    except TimeoutError as ex:
        raise TransientError(f"{what}: storage timed out", cause="timeout") from ex
    except aiohttp.ClientPayloadError as ex:
        raise TransientError(f"{what}: the body ended early", cause="short_body") from ex
    except (aiohttp.ClientError, asyncio.IncompleteReadError) as ex:
        raise TransientError(f"{what}: {type(ex).__name__}", cause="network") from ex
    if expected is not None and out.written != expected:
        raise TransientError(f"{what}: got {out.written} of {expected} bytes", cause="short_body")
    _LOGGER.debug("%s: %d bytes from %s", what, out.written, redact(url))
    return response.headers
