"""The Partner API host (api.amazonvision.com): devices, history, clips and WHEP, as JSON:API."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ..http.faults import ROUTES
from ..http.gate import GATE, JSONAPI, GateConfig, Handler, gate, jsonapi_error
from ..scenario import MOTION_SUB_TYPES, Device
from ..state import EmulatorState
from . import payloads as pp
from .clips import CLIP_SETTINGS, ClipSettings, download, log_clip_request
from .images import image_download
from .linking import confirm_link, update_link, users_me
from .live_view import create_session, delete_session, settle_sessions
from .state import RATE_LIMIT

_LOGGER = logging.getLogger(__name__)

BASE_URL = web.AppKey("partner_base_url", str)
JSON = "application/json"
# History pages: 20 events unless page[size] says otherwise, never more than 50.
PAGE_DEFAULT, PAGE_MAX = 20, 50
EVENT_TYPES = frozenset({"ding", "motion", "on_demand"} | {f"motion.{s}" for s in MOTION_SUB_TYPES})
# The related resources ?include= adds (device discovery page and those it links to).
_INCLUDES = ("status", "capabilities", "configurations", "location")
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
    """Answer the router's own errors (unknown path, wrong method) as JSON:API documents too, and
    every JSON answer as application/json (the API reference's content type for JSON APIs,
    https://developer.amazon.com/docs/ring/api-reference.html)."""
    try:
        response = await handler(request)
    except web.HTTPException as ex:
        if ex.status < 400:
            raise
        allow = {"Allow": ex.headers["Allow"]} if "Allow" in ex.headers else None
        response = jsonapi_error(ex.status, f"{request.method} {request.path}: {ex.reason}", headers=allow)
    if isinstance(response, web.Response) and not response.prepared and response.content_type == JSONAPI:
        response.content_type = JSON
    return response


async def _rate_headers(request: web.Request, response: web.StreamResponse) -> None:
    # Informational: the emulator never enforces the limit itself (inject 429 faults for that).
    remaining = request.app[GATE].state.partner.rate_remaining()
    response.headers["X-RateLimit-Limit"] = str(RATE_LIMIT)
    response.headers["X-RateLimit-Remaining"] = str(remaining)
    if request.match_info.route.name == "partner_clip":
        await log_clip_request(request, response)


def _ok(request: web.Request, body: dict[str, object]) -> web.Response:
    # Every document carries meta.time (device discovery, status, capabilities pages).
    now = request.app[GATE].state.partner.wall_clock()
    return web.json_response({"meta": pp.meta_time(now), **body}, content_type=JSON)


def _includes(request: web.Request) -> list[str]:
    wanted = [n.strip() for n in request.query.get("include", "").split(",") if n.strip()]
    if unknown := set(wanted) - set(_INCLUDES):
        raise ValueError(f"unsupported include: {', '.join(sorted(unknown))}; known: {', '.join(_INCLUDES)}")
    return wanted


def _included(state: EmulatorState, found: list[Device], names: list[str]) -> list[dict[str, Any]]:
    resources = []
    for device in found:
        for name in names:
            resources.append(_related(state, device, name))
    return resources


def _related(state: EmulatorState, device: Device, name: str) -> dict[str, Any]:
    if name == "status":
        online = not state.partner.is_offline(pp.partner_device_id(device.id))
        return pp.status_resource(device, online)
    if name == "capabilities":
        return pp.capabilities_resource(device)
    if name == "configurations":
        return pp.configurations_resource(device)
    return pp.location_resource(device)


async def devices(request: web.Request) -> web.Response:
    """GET /v1/devices[?include=status,capabilities,configurations,location]."""
    state = request.app[GATE].state
    try:
        names = _includes(request)
    except ValueError as ex:
        return jsonapi_error(400, str(ex))
    found = state.devices()
    body: dict[str, object] = {"data": [pp.device_resource(d) for d in found]}
    if names:
        body["included"] = _included(state, found, names)
    return _ok(request, body)


def _ungated_authorize(request: web.Request) -> web.Response | None:
    # The gate authorizes only the routes faults can target (http/faults.py ROUTES); the others
    # check the token here, so no Partner route answers without one.
    if request.match_info.route.name in ROUTES:
        return None
    return _authorize(request)


def _authorized_device(request: web.Request) -> Device | web.Response:
    """The device the path names, after the token check these ungated routes do themselves."""
    if (denied := _ungated_authorize(request)) is not None:
        return denied
    device = pp.find_device(request.app[GATE].state, request.match_info["device_id"])
    if device is None:
        return jsonapi_error(404, f"device {request.match_info['device_id']} not found")
    return device


async def one_device(request: web.Request) -> web.Response:
    """GET /v1/devices/{device_id}[?include=...]."""
    found = _authorized_device(request)
    if isinstance(found, web.Response):
        return found
    try:
        names = _includes(request)
    except ValueError as ex:
        return jsonapi_error(400, str(ex))
    body: dict[str, object] = {"data": pp.device_resource(found)}
    if names:
        body["included"] = _included(request.app[GATE].state, [found], names)
    return _ok(request, body)


def _sub_resource(name: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        found = _authorized_device(request)
        if isinstance(found, web.Response):
            return found
        return _ok(request, {"data": _related(request.app[GATE].state, found, name)})

    handler.__doc__ = f"GET /v1/devices/{{device_id}}/{name}."
    return handler


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
    """GET /v1/history/devices/{device_id}/events?event_types=...&page[size]=N&page[key]=CURSOR.

    Paging (recorded answers, an assumption, docs/ring-apis.md §2.4): a full page has a
    `links.next`, which does not keep `event_types`; a page that is not full has no `links`; so
    a last page that is exactly full is followed by an empty one.
    """
    state = request.app[GATE].state
    device_id = request.match_info["device_id"]
    found = pp.find_device(state, device_id)
    if found is None:
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
        for e in state.history(found.id, _ALL, None)
        if _matches(e.kind, e.sub_type, wanted) and pp.event_window(e)[0] <= now_ms
    ]
    keyed.sort(key=lambda item: item[0], reverse=True)
    if after is not None:
        keyed = [item for item in keyed if item[0] < after]
    page = keyed[:size]
    body: dict[str, object] = {"data": [pp.history_item(e) for _, e in page]}
    if len(page) == size:
        params = {"page[size]": str(size), "page[key]": pp.encode_cursor(device_id, *page[-1][0])}
        body["links"] = {"next": f"{request.app[BASE_URL]}{request.path}?{urlencode(params)}"}
    paging = state.partner.history_paging()
    if paging != "cursor" and page:  # broken paging on demand: a next that never ends
        again = dict(query)
        if paging == "stale":  # a new URL each time, the same page each time
            again["page[n]"] = str(int(query.get("page[n]", "0") or 0) + 1)
        body["links"] = {"next": f"{request.app[BASE_URL]}{request.path}?{urlencode(again)}"}
    return _ok(request, body)


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
    add("GET", device, one_device, name="partner_device")
    for name in _INCLUDES:
        add("GET", f"{device}/{name}", _sub_resource(name), name=f"partner_{name}")
    add("GET", "/v1/history/devices/{device_id}/events", history, name="partner_history")
    add("POST", device + "/media/video/download", download, name="partner_clip")
    add("POST", device + "/media/image/download", image_download, name="partner_image")
    add("POST", device + "/media/streaming/whep/sessions", create_session, name="whep")
    add("DELETE", device + "/media/streaming/whep/sessions/{session_id}", delete_session, name="whep_delete")
    add("GET", "/v1/users/me", users_me, name="partner_user")
    add("POST", "/v1/accounts/me/app-integrations", confirm_link, name="partner_link_confirm")
    add("PATCH", "/v1/accounts/me/app-integrations", update_link, name="partner_link_update")
    return app
