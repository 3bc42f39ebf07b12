"""The consumer API host (api.ring.com): session, devices, history and recording URLs; it also
serves Ring's token endpoint (emulator.oauth, for both APIs) and the admin routes."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiohttp import web

from .. import oauth
from ..admin import add_admin_routes
from ..http.gate import GATE, GateConfig, gate, json_error
from ..scenario import VIDEO_DEVICE_TYPES
from ..state import EmulatorState
from . import payloads
from .recordings import recording_url
from .sessions import session_profile
from .snapshots import snapshot_by_uuid

_LOGGER = logging.getLogger(__name__)

STORAGE_URL = web.AppKey("storage_url", str)
# Ring's history pages hold at most 100 events whatever `limit` asks for; 20 when absent.
HISTORY_PAGE_CAP = 100
HISTORY_DEFAULT_LIMIT = 20

_NOT_FOUND = {"error": "Not Found"}


def _authorize(request: web.Request) -> web.Response | None:
    if request.match_info.route.name == "token":
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if not (scheme.lower() == "bearer" and request.app[GATE].state.tokens.access_valid(token.strip())):
        return json_error(401, {"error": "Unauthorized", "error_description": "invalid access token"})
    return _session_missing(request)


def _session_missing(request: web.Request) -> web.Response | None:
    """Ring's answer once it has forgotten the hardware id's session: 404, the id in `error`.

    docs/ring-apis.md §3 (rest-client.ts L554-566, dgreif/ring #468): clients_api calls only. The
    wording around the id is ours. A request without a hardware_id header is not checked: what
    Ring does then has no public source (ring_doorbell always sends one)."""
    hardware_id = request.headers.get("hardware_id")
    if not hardware_id or request.match_info.route.name == "session":
        return None
    if not request.path.startswith("/clients_api/"):
        return None
    if request.app[GATE].state.sessions.known(hardware_id):
        return None
    return json_error(404, {"error": f"session for hardware_id {hardware_id} not found"})


async def session(request: web.Request) -> web.Response:
    """POST /clients_api/session: a session for the hardware id, or 406 past the address's limit."""
    state = request.app[GATE].state
    hardware_id = request.headers.get("hardware_id") or ""
    if not state.sessions.open(hardware_id, request.remote or ""):
        # Ring's 406 body is not known publicly (docs/ring-apis.md §3): assumption.
        return web.Response(status=406, text="Not Acceptable")
    return web.json_response(session_profile(state.account.username))


async def ring_devices(request: web.Request) -> web.Response:
    """GET /clients_api/ring_devices."""
    state = request.app[GATE].state
    body: dict[str, list[object]] = {
        "doorbots": [],
        "authorized_doorbots": [],
        "stickup_cams": [],
        "chimes": [],
        "other": [],
    }
    for device in state.devices():
        body[device.device_type].append(payloads.device(device, state.account))
    return web.json_response(body)


async def dings_active(request: web.Request) -> web.Response:
    """GET /clients_api/dings/active: no live dings (the emulator has no push channel)."""
    return web.json_response([])


async def groups(request: web.Request) -> web.Response:
    """GET /groups/v1/locations/{location_id}/groups: no light groups."""
    return web.json_response({"device_groups": []})


def _int_param(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    return None if raw is None else int(raw)


async def history(request: web.Request) -> web.Response:
    """GET /clients_api/doorbots/{device_id}/history?limit=N&older_than=ID."""
    state = request.app[GATE].state
    device = state.device(int(request.match_info["device_id"]))
    if device is None or device.device_type not in VIDEO_DEVICE_TYPES:
        return json_error(404, _NOT_FOUND)
    try:
        limit = _int_param(request, "limit")
        older_than = _int_param(request, "older_than")
    except ValueError:
        return json_error(400, {"error": "limit and older_than must be integers"})
    limit = HISTORY_DEFAULT_LIMIT if limit is None else limit
    if limit < 1:
        return json_error(400, {"error": "limit must be positive"})
    events = state.history(device.id, min(limit, HISTORY_PAGE_CAP), older_than)
    return web.json_response([payloads.history_item(e, device) for e in events])


def _storage_url_for(request: web.Request) -> str | None:
    """Return a freshly signed storage URL for the event, or None if it has no recording."""
    state = request.app[GATE].state
    event = state.event(int(request.match_info["event_id"]))
    if event is None or event.recording_status is None or state.future(event):
        return None
    device = state.device(event.device_id)
    if device is None or not device.show_recordings:
        return None
    signature = state.sign(event.id)
    return recording_url(request.app[STORAGE_URL], event.id, signature, datetime.now(UTC))


async def recording(request: web.Request) -> web.Response:
    """GET /clients_api/dings/{event_id}/recording: 302 to the pre-signed storage URL."""
    url = _storage_url_for(request)
    if url is None:
        return json_error(404, _NOT_FOUND)
    # Returned rather than raised, so the gate can still cut it short.
    return web.Response(status=302, text="302: Found", headers={"Location": url})


async def share_play(request: web.Request) -> web.Response:
    """GET /clients_api/dings/{event_id}/share/play: the pre-signed storage URL as JSON."""
    url = _storage_url_for(request)
    if url is None:
        return json_error(404, _NOT_FOUND)
    return web.json_response({"url": url})


async def push_device(request: web.Request) -> web.Response:
    """PATCH /clients_api/device: the installation's push token (ring_doorbell's
    add_subscription_to_ring body: {"device": {"push_notification_token", "metadata": {...}}}); 204."""
    try:
        body = await request.json()
        token = body["device"]["push_notification_token"]
    except (ValueError, KeyError, TypeError):
        return json_error(400, {"error": "Bad Request"})
    if not isinstance(token, str) or not token:
        return json_error(400, {"error": "Bad Request"})
    request.app[GATE].state.subscribe_push(request.headers.get("hardware_id") or "", token)
    return web.Response(status=204)


def create_api_app(
    state: EmulatorState, stopping: asyncio.Event, *, storage_url: str, latency: float = 0.0
) -> web.Application:
    """Build the API host's application; `stopping` is set when the emulator shuts down."""
    app = web.Application(middlewares=[gate])
    app[GATE] = GateConfig(state, stopping, latency, xml_errors=False, authorize=_authorize)
    app[STORAGE_URL] = storage_url
    add = app.router.add_route
    add("POST", "/oauth/token", oauth.token, name="token")
    add("POST", "/clients_api/session", session, name="session")
    add("GET", "/clients_api/ring_devices", ring_devices, name="devices")
    add("PATCH", "/clients_api/device", push_device, name="push_device")
    add("GET", "/clients_api/dings/active", dings_active, name="dings_active")
    add("GET", "/groups/v1/locations/{location_id}/groups", groups, name="groups")
    add("GET", r"/clients_api/doorbots/{device_id:\d+}/history", history, name="history")
    add("GET", r"/clients_api/dings/{event_id:\d+}/recording", recording, name="recording")
    add("GET", r"/clients_api/dings/{event_id:\d+}/share/play", share_play, name="share_play")
    add("GET", "/clients_api/snapshots/uuid", snapshot_by_uuid, name="snapshot")
    add_admin_routes(app)
    return app
