"""WHEP live view sessions: the answer, DELETE, time-outs, and the on_demand recording left behind."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from urllib.parse import urljoin

import requests

from ringConnector.emulator import CHIME, Emulator, Fault, ManualClock, Scenario, partner_device_id

from .sdp_offer import FRONT, SDP, SESSIONS, answer_lines, browser_offer, start_session


def test_good_offer_gets_201_an_answer_and_a_location(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], wall: ManualClock
) -> None:
    """201 application/sdp: mirrored mids, sendonly, passive DTLS, our ICE, H264 106, one candidate."""
    offer = browser_offer()
    answer = start_session(emu, http, pauth, offer)
    assert answer.status_code == 201, answer.text
    assert answer.headers["Content-Type"].startswith("application/sdp")
    assert re.fullmatch(re.escape(SESSIONS) + r"/[0-9a-f]{32}", answer.headers["Location"])
    lines = answer_lines(answer.text)
    assert lines[0] == "v=0" and lines[2] == "s=-" and lines[3] == "t=0 0"
    assert lines[1].startswith("o=- ") and "a=group:BUNDLE 0 1" in lines
    assert [line.split()[0] for line in lines if line.startswith("m=")] == ["m=audio", "m=video"]
    assert [line for line in lines if line.startswith("a=mid:")] == ["a=mid:0", "a=mid:1"]
    assert lines.count("a=sendonly") == 2 and lines.count("a=setup:passive") == 2
    video = next(line for line in lines if line.startswith("m=video"))
    assert video.split()[3:] == ["106"]
    assert "a=rtpmap:106 H264/90000" in lines and "a=rtpmap:102 H264/90000" not in lines
    assert next(line for line in lines if line.startswith("m=audio")).split()[3:] == ["111"]
    ufrags = {line for line in lines if line.startswith("a=ice-ufrag:")}
    assert len(ufrags) == 1 and "a=ice-ufrag:Jf4n" not in ufrags
    assert any(line.startswith("a=ice-pwd:") for line in lines)
    fingerprints = {line for line in lines if line.startswith("a=fingerprint:")}
    assert len(fingerprints) == 1
    assert re.fullmatch(r"a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprints.pop())
    candidates = {line for line in lines if line.startswith("a=candidate:")}
    assert len(candidates) == 1
    assert re.fullmatch(r"a=candidate:1 1 udp \d+ 127\.0\.0\.1 \d+ typ host", candidates.pop())
    (session,) = emu.whep_sessions()
    assert session["device"] == FRONT and session["offer"] == offer and session["deleted_ms"] is None
    assert session["created_ms"] == round(wall() * 1000)
    assert answer.headers["Location"].endswith(session["id"])


def test_unknown_device_chime_and_offline(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """No such device: 404; a chime has no camera: 400; offline: 503 with Retry-After."""
    offer = browser_offer()
    chime = SESSIONS.replace(FRONT, partner_device_id(CHIME))
    assert http.post(emu.partner_url + chime, data=offer, headers=pauth | SDP).status_code == 400
    missing = SESSIONS.replace(FRONT, "ava1.ring.device.7")
    assert http.post(emu.partner_url + missing, data=offer, headers=pauth | SDP).status_code == 404
    emu.set_device_offline(FRONT, True)
    offline = start_session(emu, http, pauth, offer)
    assert offline.status_code == 503 and offline.headers["Retry-After"] == "5"
    assert offline.json()["errors"][0]["detail"] == "Device is currently offline"


def test_delete_ends_the_session_and_leaves_a_recording(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], wall: ManualClock
) -> None:
    """DELETE: 204; an on_demand event spans the session in history; its clip is a full 200."""
    created = round(wall() * 1000)
    started = start_session(emu, http, pauth, browser_offer())
    session_url = urljoin(emu.partner_url + SESSIONS, started.headers["Location"])
    wall.advance(20)
    assert http.delete(session_url, headers=pauth).status_code == 204
    (session,) = emu.whep_sessions()
    assert (session["created_ms"], session["deleted_ms"]) == (created, created + 20_000)
    history = http.get(
        emu.partner_url + f"/v1/history/devices/{FRONT}/events",
        params={"event_types": "on_demand"},
        headers=pauth,
    ).json()["data"]
    assert [item["attributes"] for item in history] == [
        {
            "event_type": "on_demand",
            "start": created,
            "end": created + 20_000,
            "is_third_party_reviewed": False,
        }
    ]
    clip = http.post(
        emu.partner_url + f"/v1/devices/{FRONT}/media/video/download",
        json={"timestamp": created, "duration": 20_000},
        headers=pauth,
    )
    assert clip.status_code == 200 and clip.headers["X-Media-Length"] == "20000"
    assert hashlib.sha256(clip.content).hexdigest() == emu.expected_clip_sha256(FRONT, created, 20_000)
    assert http.delete(session_url, headers=pauth).status_code == 404


def test_footage_exists_only_once_the_session_ended(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], wall: ManualClock
) -> None:
    """While the live view runs there is no clip yet (416); after DELETE there is."""
    created = round(wall() * 1000)
    location = start_session(emu, http, pauth, browser_offer()).headers["Location"]
    wall.advance(10)
    url = emu.partner_url + f"/v1/devices/{FRONT}/media/video/download"
    body = {"timestamp": created, "duration": 10_000}
    assert http.post(url, json=body, headers=pauth).status_code == 416
    assert http.delete(emu.partner_url + location, headers=pauth).status_code == 204
    assert http.post(url, json=body, headers=pauth).status_code == 200


def test_delete_of_unknown_sessions_is_404(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """A made-up session id, or a real one under another device, is 404."""
    location = start_session(emu, http, pauth, browser_offer()).headers["Location"]
    assert http.delete(emu.partner_url + SESSIONS + "/" + "0" * 32, headers=pauth).status_code == 404
    other = location.replace(FRONT, partner_device_id(201_000_102))
    assert http.delete(emu.partner_url + other, headers=pauth).status_code == 404
    assert http.delete(emu.partner_url + location).status_code == 401
    assert http.delete(emu.partner_url + location, headers=pauth).status_code == 204


def test_sessions_end_by_themselves_after_a_minute_on_line_power(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], wall: ManualClock
) -> None:
    """Never deleted: a line-powered device's session ends at 60 s (live video page), its footage
    stops there, and DELETE is 404."""
    created = round(wall() * 1000)
    location = start_session(emu, http, pauth, browser_offer()).headers["Location"]
    wall.advance(2 * 60)
    (session,) = emu.whep_sessions()
    assert session["deleted_ms"] == created + 60_000 and session["event_id"] is not None
    assert http.delete(emu.partner_url + location, headers=pauth).status_code == 404
    clip = http.post(
        emu.partner_url + f"/v1/devices/{FRONT}/media/video/download",
        json={"timestamp": created + 50_000, "duration": 30_000},
        headers=pauth,
    )
    assert clip.status_code == 206 and clip.headers["X-Media-Length"] == "10000"


def test_whep_fault_then_success(emu: Emulator, http: requests.Session, pauth: dict[str, str]) -> None:
    """A 500 fault on "whep" fails one attempt; the retry opens the session."""
    emu.add_fault(Fault("whep", "status", status=500, key=FRONT))
    assert start_session(emu, http, pauth, browser_offer()).status_code == 500
    assert start_session(emu, http, pauth, browser_offer()).status_code == 201
    assert emu.count("whep", FRONT) == 2


def test_a_battery_devices_session_ends_by_itself_after_30_s(
    demo_day: Scenario, mono: ManualClock, wall: ManualClock, http: requests.Session
) -> None:
    """Battery devices end a live view at 30 s (live video page), not 60 s: footage stops there."""
    demo_day.devices = [
        dataclasses.replace(d, battery=True) if partner_device_id(d.id) == FRONT else d
        for d in demo_day.devices
    ]
    with Emulator(demo_day, clock=mono, wall_clock=wall) as emu:
        pauth = {"Authorization": f"Bearer {emu.issue_partner_token()['access_token']}"}
        created = round(wall() * 1000)
        start_session(emu, http, pauth, browser_offer())
        wall.advance(2 * 60)
        (session,) = emu.whep_sessions()
        assert session["deleted_ms"] == created + 30_000 and session["event_id"] is not None
        clip = http.post(
            emu.partner_url + f"/v1/devices/{FRONT}/media/video/download",
            json={"timestamp": created + 20_000, "duration": 30_000},
            headers=pauth,
        )
        assert clip.status_code == 206 and clip.headers["X-Media-Length"] == "10000"
