"""Admin routes on the API host, for controlling an emulator that runs in another process."""

from __future__ import annotations

import logging

from aiohttp import web

from .http.faults import Fault, RandomFaults
from .http.gate import GATE, json_error
from .partner.webhooks import WebhookFaults
from .push.controls import ring_now
from .scenario import VIDEO_DEVICE_TYPES

_LOGGER = logging.getLogger(__name__)

# No authentication: the emulator listens on loopback only, and these never exist at Ring.
PREFIX = "/_emulator"


async def admin_counters(request: web.Request) -> web.Response:
    """GET /_emulator/counters: every counter, for benchmarks and the demo."""
    return web.json_response(request.app[GATE].state.snapshot())


async def admin_reset(request: web.Request) -> web.Response:
    """POST /_emulator/counters/reset."""
    request.app[GATE].state.reset_counters()
    return web.json_response({"ok": True})


async def admin_faults(request: web.Request) -> web.Response:
    """POST /_emulator/faults: a JSON list of faults to add, or {"clear", "faults", "random"}."""
    faults = request.app[GATE].state.faults
    try:
        body = await request.json()
        if isinstance(body, list):
            body = {"faults": body}
        if not isinstance(body, dict) or not set(body) <= {"clear", "faults", "random"}:
            raise ValueError('expected a list of faults or {"clear", "faults", "random"}')
        added = [Fault.from_dict(item) for item in body.get("faults", [])]
        chance = body.get("random")
        random_faults = RandomFaults.from_dict(chance) if chance else None
    except (TypeError, ValueError) as ex:
        return json_error(400, {"error": "bad faults", "error_description": str(ex)})
    if body.get("clear"):
        faults.clear()
    if "random" in body:
        faults.set_random(random_faults)
    for fault in added:
        faults.add(fault)
    return web.json_response({"ok": True, "pending": [f.to_dict() for f in faults.pending()]})


async def admin_expire(request: web.Request) -> web.Response:
    """POST /_emulator/tokens/expire: every access token stops working."""
    request.app[GATE].state.tokens.expire_access()
    return web.json_response({"ok": True})


async def admin_revoke(request: web.Request) -> web.Response:
    """POST /_emulator/tokens/revoke: every access and refresh token stops working."""
    request.app[GATE].state.tokens.revoke_all()
    return web.json_response({"ok": True})


async def admin_partner_code(request: web.Request) -> web.Response:
    """POST /_emulator/partner/code: the user links the app: a one-time authorization code, as Ring
    sends the partner, and the Account Link URL (with its nonce) Ring sends the browser to."""
    code, account_link = request.app[GATE].state.partner.new_link()
    return web.json_response({"code": code, "account_link": account_link})


async def admin_partner_tokens(request: web.Request) -> web.Response:
    """POST /_emulator/partner/tokens/{action}: expire access tokens, or revoke every token."""
    tokens = request.app[GATE].state.partner.tokens
    if request.match_info["action"] == "expire":
        tokens.expire_access()
    else:
        tokens.revoke_all()
    return web.json_response({"ok": True})


async def admin_partner_device(request: web.Request) -> web.Response:
    """POST /_emulator/partner/offline {"device_id": "ava1.ring.device.N", "offline": true}."""
    try:
        body = await request.json()
        device_id, offline = str(body["device_id"]), bool(body["offline"])
    except (TypeError, KeyError, ValueError) as ex:
        return json_error(400, {"error": "bad request", "error_description": str(ex)})
    request.app[GATE].state.partner.set_offline(device_id, offline)
    return web.json_response({"ok": True})


async def admin_clip_redirect(request: web.Request) -> web.Response:
    """POST /_emulator/partner/clip_redirect {"status": 301|302|303|307|null}."""
    try:
        body = await request.json()
        request.app[GATE].state.partner.set_clip_redirect(body["status"])
    except (TypeError, KeyError, ValueError) as ex:
        return json_error(400, {"error": "bad request", "error_description": str(ex)})
    return web.json_response({"ok": True})


async def admin_sessions(request: web.Request) -> web.Response:
    """POST /_emulator/sessions {"forget": bool, "lifetime": s, "limit": n}: Ring's sessions."""
    sessions = request.app[GATE].state.sessions
    try:
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict) or not set(body) <= {"forget", "lifetime", "limit"}:
            raise ValueError('expected {"forget", "lifetime", "limit"}')
        lifetime = None if body.get("lifetime") is None else float(body["lifetime"])
        limit = None if body.get("limit") is None else int(body["limit"])
    except (TypeError, ValueError) as ex:
        return json_error(400, {"error": "bad request", "error_description": str(ex)})
    if body.get("forget"):
        sessions.forget_all()
    sessions.configure(lifetime=lifetime, limit=limit)
    return web.json_response({"ok": True, "created": sessions.created})


async def admin_webhooks(request: web.Request) -> web.Response:
    """POST /_emulator/partner/webhooks {"url", "drop", "duplicate", "delay_s", "retry_scale"}
    registers the partner's webhook URL (null: none); GET lists the deliveries."""
    sender = request.app[GATE].state.partner.webhooks
    if request.method == "GET":
        return web.json_response({"deliveries": sender.deliveries()})
    try:
        body = await request.json()
        if not isinstance(body, dict) or "url" not in body:
            raise ValueError('expected {"url", "drop", "duplicate", "delay_s", "retry_scale"}')
        url = body.pop("url")
        faults = WebhookFaults(**body)
    except (TypeError, ValueError) as ex:
        return json_error(400, {"error": "bad request", "error_description": str(ex)})
    sender.register(None if url is None else str(url), faults)
    return web.json_response({"ok": True})


async def admin_ring(request: web.Request) -> web.Response:
    """POST /_emulator/ring {"device_id", "kind", "ready_after", "pushes"}: a visitor rings now.

    The event is in history at once, pushed to every push client (consumer API) and announced to
    the partner's webhook (Partner API); its recording is ready `ready_after` seconds later.
    """
    state = request.app[GATE].state
    try:
        body = await request.json() if request.can_read_body else {}
        if not isinstance(body, dict) or not set(body) <= _RING_FIELDS:
            raise ValueError("expected an object with some of " + ", ".join(sorted(_RING_FIELDS)))
        video = [d.id for d in state.devices() if d.device_type in VIDEO_DEVICE_TYPES]
        device_id = int(body["device_id"]) if "device_id" in body else video[0]
        if device_id not in video:
            raise ValueError(f"no video device {device_id} (these are: {video})")
        ready_after = float(body.get("ready_after", 5.0))
        pushes = int(body.get("pushes", 1))
        if not 0 <= ready_after <= 3600 or not 0 <= pushes <= 5:
            raise ValueError("ready_after is 0-3600 seconds, pushes 0-5")
        kind = str(body.get("kind", "ding"))
    except (TypeError, ValueError, IndexError) as ex:
        return json_error(400, {"error": "bad request", "error_description": str(ex)})
    event = ring_now(state, device_id, kind=kind, ready_after=ready_after, pushes=pushes)
    _LOGGER.info("rang device %s: %s event %s", device_id, kind, event.id)
    answer = {
        "id": str(event.id),
        "device_id": device_id,
        "kind": kind,
        "created_at": event.created_at.isoformat(),
    }
    return web.json_response(answer, status=201)


_RING_FIELDS = frozenset({"device_id", "kind", "ready_after", "pushes"})


def add_admin_routes(app: web.Application) -> None:
    """Add the /_emulator/... routes (their names start with "admin", so the gate skips them)."""
    add = app.router.add_route
    add("GET", PREFIX + "/counters", admin_counters, name="admin_counters")
    add("POST", PREFIX + "/counters/reset", admin_reset, name="admin_reset")
    add("POST", PREFIX + "/faults", admin_faults, name="admin_faults")
    add("POST", PREFIX + "/tokens/expire", admin_expire, name="admin_expire")
    add("POST", PREFIX + "/tokens/revoke", admin_revoke, name="admin_revoke")
    add("POST", PREFIX + "/sessions", admin_sessions, name="admin_sessions")
    add("POST", PREFIX + "/partner/code", admin_partner_code, name="admin_partner_code")
    add("POST", PREFIX + "/partner/tokens/{action:expire|revoke}", admin_partner_tokens, name="admin_ptokens")
    add("POST", PREFIX + "/partner/offline", admin_partner_device, name="admin_partner_offline")
    add("POST", PREFIX + "/partner/clip_redirect", admin_clip_redirect, name="admin_clip_redirect")
    add("POST", PREFIX + "/partner/webhooks", admin_webhooks, name="admin_webhooks")
    add("GET", PREFIX + "/partner/webhooks", admin_webhooks, name="admin_webhooks_list")
    add("POST", PREFIX + "/ring", admin_ring, name="admin_ring")
