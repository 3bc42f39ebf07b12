"""The Partner API host (api.amazonvision.com): devices, history, clips and WHEP, as JSON:API."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlencode

from aiohttp import web

from ..http.gate import GATE, JSONAPI, GateConfig, Handler, gate, jsonapi_error
from ..scenario import MOTION_SUB_TYPES
from ..state import EmulatorState
from . import payloads as pp
from .clips import CLIP_SETTINGS, ClipSettings, download, log_clip_request
from .live_view import create_session, delete_session, settle_sessions
from .state import RATE_LIMIT

_LOGGER = logging.getLogger(__name__)

BASE_URL = web.AppKey("partner_base_url", str)
# History pages: 20 events unless page[size] says otherwise, never more than 50.
PAGE_DEFAULT, PAGE_MAX = 20, 50
EVENT_TYPES = frozenset({"ding", "motion", "on_demand"} | {f"motion.{s}" for s in MOTION_SUB_TYPES})
_INCLUDES = frozenset({"capabilities"})
# Enough for every event of a device.
_ALL = 10**9


def _authorize(request: web.Request) -> web.Response | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and request.app[GATE].state.partner.tokens.access_valid(token.strip()):
        return None
    return jsonapi_error(
        401,
        "missing, invalid or expired access token",
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


@web.middleware
async def jsonapi_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer the router's own errors (unknown path, wrong method) as JSON:API documents too."""
    try:
        return await handler(request)
    except web.HTTPException as ex:
        if ex.status < 400:
            raise
        allow = {"Allow": ex.headers["Allow"]} if "Allow" in ex.headers else None
        return jsonapi_error(ex.status, f"{request.method} {request.path}: {ex.reason}", headers=allow)


async def _rate_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Informational: the emulator never enforces the limit itself (inject 429 faults for that).
    remaining = request.app[GATE].state.partner.rate_remaining()
    response.headers["X-RateLimit-Limit"] = str(RATE_LIMIT)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    if request.match_info.route.name == "partner_clip":
        await log_clip_request(request, response)


def _ok(body: dict[str, object]) -> web.Response:
    return web.json_response(body, content_type=JSONAPI)


async def devices(request: web.Request) -> web.Response:
    """GET /v1/devices[?include=capabilities]."""
    include = {n.strip() for n in request.query.get("include", "").split(",") if n.strip()}
    if unknown := include - _INCLUDES:
        return jsonapi_error(400, f"unsupported include: {', '.join(sorted(unknown))}")
    found = request.app[GATE].state.devices()
    body: dict[str, object] = {"data": [pp.device_resource(d) for d in found], "meta": {"count": len(found)}}
    if include:
        body["included"] = [pp.capabilities_resource(d) for d in found]
    return _ok(body)


async def capabilities(request: web.Request) -> web.Response:
    """GET /v1/devices/{device_id}/capabilities."""
    device = pp.find_device(request.app[GATE].state, request.match_info["device_id"])
    if device is None:
        return jsonapi_error(404, f"device {request.match_info['device_id']} not found")
    return _ok({"data": pp.capabilities_resource(device)})


def _event_types(raw: str | None) -> set[str] | None:
    if raw is None or not raw.strip():
        return None
    wanted = {t.strip() for t in raw.split(",")}
    if unknown := wanted - EVENT_TYPES:
        raise ValueError(f"unknown event_types: {', '.join(sorted(unknown))}; known: {sorted(EVENT_TYPES)}")
    return wanted


def _page_size(raw: str | None) -> int:
    if raw is None:
        return PAGE_DEFAULT
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError("page[size] must be a positive integer")
    return min(int(raw), PAGE_MAX)


def _matches(kind: str, sub_type: str | None, wanted: set[str] | None) -> bool:
    return wanted is None or kind in wanted or (kind == "motion" and f"motion.{sub_type}" in wanted)


async def history(request: web.Request) -> web.Response:
    """GET /v1/history/devices/{device_id}/events?event_types=...&page[size]=N&page[key]=CURSOR."""
    state = request.app[GATE].state
    device_id = request.match_info["device_id"]
    device = pp.find_device(state, device_id)
    if device is None:
        return jsonapi_error(404, f"device {device_id} not found")
    query = request.query
    try:
        wanted = _event_types(query.get("event_types"))
        size = _page_size(query.get("page[size]"))
    except ValueError as ex:
        return jsonapi_error(400, str(ex))
    after = None if "page[key]" not in query else pp.decode_cursor(query["page[key]"], device_id)
    if "page[key]" in query and after is None:
        return jsonapi_error(400, "page[key] is not a cursor of this device's history")
    settle_sessions(state)  # live views past their limit become events first
    # Ring lists what has happened: an event starting after "now" is not history yet (and a
    # clip of it would be refused as a future timestamp).
    now_ms = int(state.partner.wall_clock() * 1000)
    keyed = [
        ((pp.event_window(e)[0], e.id), e)
        for e in state.history(device.id, _ALL, None)
        if _matches(e.kind, e.sub_type, wanted) and pp.event_window(e)[0] <= now_ms
    ]
    keyed.sort(key=lambda item: item[0], reverse=True)
    if after is not None:
        keyed = [item for item in keyed if item[0] < after]
    page = keyed[:size]
    base = request.app[BASE_URL]
    links = {"self": base + request.raw_path}  # as the client sent it
    if len(keyed) > size:
        params = {} if wanted is None else {"event_types": query["event_types"]}
        params |= {"page[size]": str(size), "page[key]": pp.encode_cursor(device_id, *page[-1][0])}
        links["next"] = f"{base}{request.path}?{urlencode(params, safe=',')}"
    data = [pp.history_item(e) for _, e in page]
    return _ok({"data": data, "links": links, "meta": {"count": len(data)}})


def create_partner_app(
    state: EmulatorState,
    stopping: asyncio.Event,
    *,
    base_url: str,
    storage_url: str,
    latency: float = 0.0,
    first_byte_latency: float = 0.0,
    bandwidth: float | None = None,
) -> web.Application:
    """Build the partner host's application; `base_url` is its own URL, for absolute links."""
    app = web.Application(middlewares=[jsonapi_errors, gate])
    app[GATE] = GateConfig(
        state, stopping, latency, xml_errors=False, authorize=_authorize, jsonapi_errors=True
    )
    app[BASE_URL] = base_url
    app[CLIP_SETTINGS] = ClipSettings(storage_url, bandwidth, first_byte_latency)
    app.on_response_prepare.append(_rate_headers)
    add = app.router.add_route
    device = "/v1/devices/{device_id}"
    add("GET", "/v1/devices", devices, name="partner_devices")
    add("GET", device + "/capabilities", capabilities, name="partner_capabilities")
    add("GET", "/v1/history/devices/{device_id}/events", history, name="partner_history")
    add("POST", device + "/media/video/download", download, name="partner_clip")
    add("POST", device + "/media/streaming/whep/sessions", create_session, name="whep")
    add("DELETE", device + "/media/streaming/whep/sessions/{session_id}", delete_session, name="whep_delete")
    return app
