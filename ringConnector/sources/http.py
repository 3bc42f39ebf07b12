"""What every HTTP exchange with Ring shares: the status table of each API, the network-error
mapping, `Retry-After`, the streamed body copy with its length check, and URLs fit for logs.

Both HTTP libraries meet Ring here: aiohttp (ring_doorbell's transport, storage downloads,
callbacks) and requests (the Partner API client). Whatever they raise or answer becomes one of
the connector's errors in this module and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

import aiohttp
import requests

from ringConnector.errors import (
    AUTH_FIX,
    PARTNER_AUTH_FIX,
    AuthorizationRequired,
    ConnectorError,
    DownloadFailed,
    RingUnavailable,
    TransientError,
)
from ringConnector.storage.atomic import AtomicFile
from ringConnector.urls import redact

_LOGGER = logging.getLogger(__name__)
# 1 MiB reads keep Python's per-chunk overhead negligible while memory stays flat.
CHUNK_SIZE = 1 << 20


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form), or None."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP-date: fall back to our own backoff


@dataclass(frozen=True)
class StatusTable:
    """How one API's unexpected HTTP statuses become connector errors.

    `transient` statuses (and every 5xx) are retried, with the cause named for the metrics;
    401 means the token no longer works (`fix` tells how to get a new one, when the API has
    tokens); anything else is a `permanent` error of this API.
    """

    transient: Mapping[int, str]
    permanent: type[ConnectorError]
    fix: str | None = None
    server_error: str = "server_error"
    refused: str = field(default="Ring refused the token")

    def error(self, status: int, headers: Mapping[str, str], what: str, detail: str = "") -> ConnectorError:
        """The error for `status`; `detail` is Ring's own explanation, if its body had one."""
        told = f"HTTP {status} {detail}".rstrip()
        if status in self.transient or status >= 500:
            cause = self.transient.get(status, self.server_error)
            return TransientError(f"{what}: {told}", cause=cause, retry_after=retry_after(headers))
        if status == 401 and self.fix is not None:
            return AuthorizationRequired(f"{what}: {self.refused}: {self.fix}")
        return self.permanent(f"{what}: {told}")

    def retrying(self, more: Mapping[int, str]) -> StatusTable:
        """This table with more statuses retried (status: cause)."""
        return replace(self, transient={**self.transient, **more})


# Storage behind pre-signed URLs: 404 until Ring has prepared a fresh recording, 403 when a
# URL expired (a new one is fetched), rate limits and server errors (docs/ring-apis.md §1).
STORAGE = StatusTable(
    {403: "url_expired", 404: "not_ready", 408: "timeout", 429: "rate_limited"}, DownloadFailed
)
# The consumer API (ring_doorbell's requests): rate limits and 5xx pass; 401 needs a new sign-in.
CONSUMER_API = StatusTable({429: "rate_limited"}, RingUnavailable, AUTH_FIX)
# The consumer API's recording URL answers 404 until the recording is prepared; a picture by its
# snapshot uuid is taken to do the same (an assumption: no source says what Ring answers before).
CONSUMER_RECORDING = CONSUMER_API.retrying({404: "not_ready"})
CONSUMER_SNAPSHOT = CONSUMER_RECORDING
# The Partner API (Ring's error-handling page): 429 with Retry-After, 503 "device offline",
# 5xx with backoff; 400, 403 and 404 are the caller's mistake and not retried.
PARTNER_API = StatusTable(
    {408: "server_error", 429: "rate_limited", 503: "unavailable"},
    DownloadFailed,
    PARTNER_AUTH_FIX,
    refused="Ring refused the partner token",
)
# Both token endpoints: only rate limits and outages are worth another try; the rest is judged
# by the grant's caller (a 412 asks for a 2FA code, a 400/401 is a rejected credential).
TOKEN_ENDPOINT = StatusTable({429: "token_endpoint"}, RingUnavailable, server_error="token_endpoint")
# The pipeline's CALLBACK_URL: retried as storage is (a receiver briefly down or busy).
CALLBACK = STORAGE


@contextmanager
def network_errors(what: str, *, cause: str = "network") -> Iterator[None]:
    """Turn what aiohttp or requests raise for a failed exchange into a TransientError."""
    try:
        yield
    except ConnectorError:
        raise
    except (TimeoutError, requests.Timeout) as ex:
        raise TransientError(f"{what}: timed out", cause="timeout" if cause == "network" else cause) from ex
    except (
        aiohttp.ClientPayloadError,
        asyncio.IncompleteReadError,
        requests.exceptions.ChunkedEncodingError,
    ) as ex:
        short = "short_body" if cause == "network" else cause
        raise TransientError(f"{what}: the body ended early ({type(ex).__name__})", cause=short) from ex
    except (aiohttp.ClientError, requests.RequestException) as ex:
        raise unreachable(what, ex, cause=cause) from ex


def unreachable(
    what: str, error: BaseException, *, url: str = "", name: str = "", cause: str = "network"
) -> TransientError:
    """The TransientError of an exchange that reached no one, naming `name` ("Ring") and the host
    (the error's, else `url`'s) and why, so a wrong URL or a dead network shows in the message."""
    whom = " at ".join(part for part in (name, _host(error, url)) if part) or "it"
    return TransientError(f"{what}: could not reach {whom} ({_why(error)})", cause=cause)


def _host(error: BaseException, url: str) -> str | None:
    """host:port as aiohttp's connection error or requests' request tells it, else `url`'s."""
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"{error.host}:{error.port}"
    request = getattr(error, "request", None)  # requests' errors carry what they sent
    url = str(getattr(request, "url", None) or url)
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return None
    return f"{parts.hostname}:{port}" if parts.hostname and port else None


def _why(error: BaseException) -> str:
    """The system's reason ("Connection refused", "Name or service not known"), else the error's type."""
    os_error = getattr(error, "os_error", None)  # aiohttp's connection errors
    if isinstance(os_error, OSError):
        if isinstance(os_error.errno, int) and os_error.errno > 0:
            return os.strerror(os_error.errno)  # not strerror: "Connect call failed ('127.0.0.1', 1)"
        if os_error.strerror:
            return str(os_error.strerror)
    return type(error).__name__


class BodyCopy:
    """A response body streamed into an AtomicFile, checked against its Content-Length."""

    def __init__(self, out: AtomicFile, expected: int | None, what: str) -> None:
        """Start over in `out` (a retry throws away what an earlier attempt wrote)."""
        out.reset()
        self.out = out
        self.expected = expected
        self.what = what

    def write(self, chunk: bytes) -> None:
        """Append one chunk."""
        self.out.write(chunk)

    def finish(self, url: str) -> int:
        """Check the length; a short body is a TransientError (the attempt is retried)."""
        written = self.out.written
        if self.expected is not None and written != self.expected:
            raise TransientError(f"{self.what}: got {written} of {self.expected} bytes", cause="short_body")
        _LOGGER.debug("%s: %d bytes from %s", self.what, written, redact(url))
        return written


async def stream_to_file(
    http: aiohttp.ClientSession,
    url: str,
    out: AtomicFile,
    *,
    timeout: float,
    what: str,
    table: StatusTable = STORAGE,
) -> Mapping[str, str]:
    """GET `url` (no Ring credentials: storage URLs are pre-signed) into `out`; return the headers."""
    client_timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout)
    with network_errors(what):
        # identity: a compressed body would be decompressed and never match Content-Length.
        async with http.get(url, timeout=client_timeout, headers={"Accept-Encoding": "identity"}) as response:
            if response.status != 200:
                raise table.error(response.status, response.headers, what)
            body = BodyCopy(out, response.content_length, what)
            async for chunk in response.content.iter_chunked(CHUNK_SIZE):
                body.write(chunk)
    body.finish(url)
    return response.headers
