"""WHEP live view: sessions opened with an SDP offer, stopped with DELETE, recorded as on_demand."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from aiohttp import web

from ..http.gate import GATE, jsonapi_error
from ..scenario import Event
from ..seed import event_id
from ..state import EmulatorState
from .payloads import consumer_device_id, find_device, from_epoch_ms, has_video
from .sdp import Identity, SdpError, build_answer, check_offer, parse_offer
from .state import BATTERY_SESSION_LIMIT_MS, SESSION_LIMIT_MS, WhepSession

_LOGGER = logging.getLogger(__name__)

SDP = "application/sdp"
# Ring-like event ids hold a 12-bit sequence per second.
_MAX_SEQ = 2**12


def offline() -> web.Response:
    """Return the Partner API's answer for a device that is offline."""
    return jsonapi_error(503, "Device is currently offline", headers={"Retry-After": "5"})


def add_on_demand(state: EmulatorState, device_id: str, start_ms: int, length_ms: int) -> int | None:
    """Add an on_demand history event of the device (its window is footage); returns its id."""
    device = consumer_device_id(device_id)
    assert device is not None
    created_at = from_epoch_ms(start_ms)
    size = length_ms * state.partner.clip_bytes_per_second // 1000
    for seq in range(_MAX_SEQ):
        event = Event(
            event_id(created_at, seq), device, created_at, "on_demand", duration=length_ms / 1000, size=size
        )
        try:
            state.add_events([event])  # refuses an id in use: another event began that second
        except ValueError:
            continue
        return event.id
    _LOGGER.error("no free event id in the second %d of %s", start_ms, device_id)
    return None


def _record_on_demand(state: EmulatorState, session: WhepSession) -> None:
    # The live view made a recording: it becomes an on_demand event (docs/ring-apis.md §2.4).
    assert session.deleted_ms is not None
    length = session.deleted_ms - session.created_ms
    found = add_on_demand(state, session.device, session.created_ms, length)
    if found is not None:
        state.partner.set_session_event(session.id, found)
        _LOGGER.info("live view %s on %s became event %s (%d ms)", session.id, session.device, found, length)


def settle_sessions(state: EmulatorState) -> None:
    """End the live views that ran past their limit, recording them as on_demand events."""
    for session in state.partner.time_out_sessions(state.partner.now_ms()):
        _record_on_demand(state, session)


def _identity() -> Identity:
    fingerprint = ":".join(f"{b:02X}" for b in secrets.token_bytes(32))
    return Identity(
        session_id=secrets.randbits(62),
        ufrag=secrets.token_hex(4),
        pwd=secrets.token_hex(12),
        fingerprint=fingerprint,
        port=40_000 + secrets.randbelow(10_000),
        ssrc=secrets.randbits(31),
    )


async def create_session(request: web.Request) -> web.Response:
    """POST /v1/devices/{device_id}/media/streaming/whep/sessions: an SDP offer in, 201 answer out."""
    state = request.app[GATE].state
    device_id = request.match_info["device_id"]
    device = find_device(state, device_id)
    if device is None:
        return jsonapi_error(404, f"device {device_id} not found")
    if not has_video(device):
        return jsonapi_error(400, f"device {device_id} has no camera")
    if request.content_type != SDP:
        return jsonapi_error(415, f"Content-Type must be {SDP}, not {request.content_type}")
    offer_text = await request.text()
    try:
        offer = parse_offer(offer_text)
        check_offer(offer)
    except SdpError as ex:
        return jsonapi_error(400, f"invalid SDP offer: {ex}")
    if state.partner.is_offline(device_id):
        return offline()
    answer = build_answer(offer, _identity())
    limit = BATTERY_SESSION_LIMIT_MS if device.battery else SESSION_LIMIT_MS
    session = WhepSession(
        secrets.token_hex(16), device_id, offer_text, answer, state.partner.now_ms(), limit_ms=limit
    )
    state.partner.add_session(session)
    # A relative Location, as WHEP (RFC 9725) allows; the client resolves it against the POST's URL.
    location = f"/v1/devices/{quote(device_id, safe='')}/media/streaming/whep/sessions/{session.id}"
    _LOGGER.info("live view %s started on %s", session.id, device_id)
    return web.Response(status=201, text=answer, content_type=SDP, headers={"Location": location})


async def delete_session(request: web.Request) -> web.Response:
    """DELETE .../whep/sessions/{session_id}: stop the live view; its recording becomes an event."""
    state = request.app[GATE].state
    settle_sessions(state)
    session = state.partner.end_session(
        request.match_info["device_id"], request.match_info["session_id"], state.partner.now_ms()
    )
    if session is None:
        return jsonapi_error(404, "no such live view session (never started, stopped, or timed out)")
    _record_on_demand(state, session)
    return web.Response(status=204)
