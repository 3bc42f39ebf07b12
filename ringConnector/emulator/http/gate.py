"""The per-request gate every host shares: counting, latency, fault injection and error bodies."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from aiohttp import web

from .faults import ROUTES, Fault

if TYPE_CHECKING:  # the shared state imports http/, so only its type is imported here
    from ..state import EmulatorState

_LOGGER = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Returns a 401 answer for a request without a valid bearer token, None to let it through.
Authorizer = Callable[[web.Request], web.Response | None]

# Path parameters that identify what a request is about, for counters and keyed faults.
_KEY_PARAMS = ("event_id", "device_id", "location_id")
# S3's error codes for the statuses a storage fault can answer.
_S3_CODES = {
    400: "InvalidArgument",
    403: "AccessDenied",
    404: "NoSuchKey",
    429: "TooManyRequests",
    500: "InternalError",
    503: "SlowDown",
}


@dataclass(frozen=True)
class GateConfig:
    """How one host's gate behaves."""

    state: EmulatorState
    stopping: asyncio.Event
    latency: float
    xml_errors: bool
    authorize: Authorizer | None = None
    # The Partner API host answers errors as JSON:API documents.
    jsonapi_errors: bool = False


GATE = web.AppKey("gate", GateConfig)
SHORT = web.RequestKey("short", bool)


def json_error(
    status: int, body: Mapping[str, object], headers: dict[str, str] | None = None
) -> web.Response:
    """Return a JSON error answer."""
    return web.json_response(body, status=status, headers=headers)


# Titles the Partner API's documentation uses where they differ from Python's reason phrases.
_JSONAPI_TITLES = {416: "Range Not Satisfiable", 429: "Rate Limit Exceeded"}
JSONAPI = "application/vnd.api+json"


def jsonapi_error(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """Return a JSON:API error document, as the Partner API answers every error (`title`: where
    Ring's page names the error, e.g. "Invalid Nonce")."""
    title = title or _JSONAPI_TITLES.get(status) or _phrase(status)
    error = {"status": str(status), "title": title, "detail": detail}
    if code is not None:
        error["code"] = code
    return web.json_response({"errors": [error]}, status=status, headers=headers, content_type=JSONAPI)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def s3_error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """Return an S3-style XML error answer."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        "<RequestId>EMULATOR</RequestId></Error>"
    )
    return web.Response(status=status, text=body, content_type="application/xml", headers=headers)


async def pause(seconds: float, stopping: asyncio.Event) -> bool:
    """Sleep up to `seconds`; return True at once if the emulator is stopping."""
    if seconds <= 0 or stopping.is_set():
        return stopping.is_set()
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True


def drop(request: web.Request) -> web.StreamResponse:
    """Close the connection without answering."""
    if request.transport is not None:
        request.transport.close()
    # aiohttp's write of this response then fails on the closed transport, which it treats as
    # a client that went away: nothing reaches the client and nothing is logged as an error.
    return web.Response()


async def send_short(request: web.Request, response: web.Response) -> web.StreamResponse:
    """Send `response`'s headers with its full Content-Length but only half its body, then close."""
    body = bytes(response.body) if isinstance(response.body, bytes | bytearray) else b""
    stream = web.StreamResponse(status=response.status, headers=response.headers)
    stream.content_length = len(body)
    await stream.prepare(request)
    await stream.write(body[: len(body) // 2])
    if request.transport is not None:
        request.transport.close()  # flushes the half body, then closes
    return stream


def _retry_after(value: float) -> str:
    # HTTP wants whole seconds; fractions are kept only when asked for (fast tests).
    return str(int(value)) if float(value).is_integer() else str(value)


def fault_status(fault: Fault, *, xml: bool, jsonapi: bool = False) -> web.Response:
    """Return the error answer of a "status" fault."""
    status = fault.status or 500
    headers = {} if fault.retry_after is None else {"Retry-After": _retry_after(fault.retry_after)}
    if xml:
        return s3_error(status, _S3_CODES.get(status, "Error"), "Injected fault", headers)
    if jsonapi:
        return jsonapi_error(status, "injected fault", headers=headers)
    return json_error(status, {"error": _phrase(status), "error_description": "injected fault"}, headers)


async def inject_fault(request: web.Request, route: str, key: str | None) -> web.StreamResponse | None:
    """Apply the fault due for (route, key), if any: return its answer, or mark the request short."""
    config = request.app[GATE]
    fault = config.state.faults.pick(route, key)
    if fault is None:
        return None
    _LOGGER.info("injecting %s fault on %s (key %s)", fault.kind, route, key)
    if fault.kind == "status":
        return fault_status(fault, xml=config.xml_errors, jsonapi=config.jsonapi_errors)
    if fault.kind == "drop":
        return drop(request)
    if fault.kind == "stall":
        # Hold the request until the client gives up (aiohttp then cancels this handler)
        # or the emulator stops, so stop() never waits on a stalled connection.
        await config.stopping.wait()
        return drop(request)
    request[SHORT] = True
    return None


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request, then delay, fault, or authorize it before the handler runs."""
    route = request.match_info.route.name
    if route not in ROUTES:  # admin routes and 404s pass untouched
        return await handler(request)
    config = request.app[GATE]
    key = next((request.match_info[p] for p in _KEY_PARAMS if p in request.match_info), None)
    config.state.count_request(route, key, request.headers.get("hardware_id"))
    if await pause(config.latency, config.stopping):
        return drop(request)
    if (faulted := await inject_fault(request, route, key)) is not None:
        return faulted
    if config.authorize is not None and (denied := config.authorize(request)) is not None:
        return denied
    response = await handler(request)
    if request.get(SHORT) and isinstance(response, web.Response) and not response.prepared:
        return await send_short(request, response)
    return response
