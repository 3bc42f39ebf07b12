"""Partner clip downloads served directly: 200, 206, 416 and the request rules."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from ringConnector.emulator import FRONT_DOOR, Emulator, Event, ManualClock, Scenario

from .clip_helpers import BYTES_PER_SECOND, FRONT, clip_url, post_clip, ready_ding


def test_full_window_is_200_with_the_expected_bytes(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    """A window inside the recording: 200 video/mp4, X-Media-* headers, the expected hash."""
    _, start = ready_ding(demo_day)
    body = {
        "timestamp": start + 1000,
        "duration": 5000,
        "video_options": {"codec": "avc", "frame_rate": 5, "resolution": {"width": 1080, "height": 720}},
        "audio_options": {"audio_enabled": True},
    }
    answer = post_clip(emu, http, pauth, body)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "video/mp4"
    assert (answer.headers["X-Media-Timestamp"], answer.headers["X-Media-Length"]) == (
        str(start + 1000),
        "5000",
    )
    assert int(answer.headers["Content-Length"]) == len(answer.content) == 5 * BYTES_PER_SECOND
    assert hashlib.sha256(answer.content).hexdigest() == emu.expected_clip_sha256(FRONT, start + 1000, 5000)
    assert answer.headers["X-RateLimit-Limit"] == "100"
    assert emu.clip_downloads(FRONT) == 1 and emu.clip_downloads(FRONT_DOOR) == 1
    assert emu.clip_requests() == [{"device_id": FRONT, "body": body, "authorization": True, "status": 200}]


@pytest.mark.parametrize(
    ("offset", "duration", "media_offset", "media_length"),
    [(-5000, 10_000, 0, 5000), ("end-3000", 10_000, "end-3000", 3000)],
    ids=["starts-before", "ends-after"],
)
def test_partly_covered_window_is_206(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    demo_day: Scenario,
    offset: int | str,
    duration: int,
    media_offset: int | str,
    media_length: int,
) -> None:
    """Only the covered part is served: X-Media-Timestamp/Length say which."""
    event, start = ready_ding(demo_day)
    assert event.duration is not None
    end = start + round(event.duration * 1000)

    def at(value: int | str) -> int:
        return end - 3000 if value == "end-3000" else start + int(value)

    answer = post_clip(emu, http, pauth, {"timestamp": at(offset), "duration": duration})
    assert answer.status_code == 206
    media_start = at(media_offset)
    assert answer.headers["X-Media-Timestamp"] == str(media_start)
    assert answer.headers["X-Media-Length"] == str(media_length)
    expected = emu.expected_clip_sha256(FRONT, media_start, media_length)
    assert hashlib.sha256(answer.content).hexdigest() == expected


def test_no_footage_is_416_timestamp_not_found(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    """A window before the recording that does not reach it: 416 TIMESTAMP_NOT_FOUND."""
    _, start = ready_ding(demo_day)
    answer = post_clip(emu, http, pauth, {"timestamp": start - 60_000, "duration": 60_000})
    assert answer.status_code == 416
    (error,) = answer.json()["errors"]
    assert (error["status"], error["code"], error["title"]) == (
        "416",
        "TIMESTAMP_NOT_FOUND",
        "Range Not Satisfiable",
    )
    assert emu.clip_downloads(FRONT) == 0


def test_footage_ends_now(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], wall: ManualClock
) -> None:
    """A recording still running is footage only up to the wall clock's now."""
    now = round(wall() * 1000)
    emu.add_events([Event(2_000_000_000 << 32, FRONT_DOOR, _at(now - 10_000), duration=60.0)])
    answer = post_clip(emu, http, pauth, {"timestamp": now - 10_000, "duration": 30_000})
    assert answer.status_code == 206 and answer.headers["X-Media-Length"] == "10000"


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"timestamp": 0, "duration": 900_001}, "duration"),
        ({"timestamp": 0, "duration": 0}, "duration"),
        ({"timestamp": "future", "duration": 5000}, "future"),
        ({"duration": 5000}, "timestamp is required"),
        ({"timestamp": 0}, "duration is required"),
        ({"timestamp": "1709990000000", "duration": 5000}, "timestamp must be an integer"),
        ({"timestamp": 0, "duration": 5000.5}, "duration must be an integer"),
        ({"timestamp": 0, "duration": True}, "duration must be an integer"),
        ({"timestamp": 0, "duration": 5000, "video_options": {"codec": "vp9"}}, "codec"),
        ({"timestamp": 0, "duration": 5000, "video_options": {"frame_rate": 30}}, "frame_rate"),
        (
            {
                "timestamp": 0,
                "duration": 5000,
                "video_options": {"resolution": {"width": 3840, "height": 2160}},
            },
            "width",
        ),
        ({"timestamp": 0, "duration": 5000, "audio_options": {"audio_enabled": "yes"}}, "audio_enabled"),
        ({"timestamp": 0, "duration": 5000, "start": 1}, "unknown fields"),
        ([1, 2], "object"),
        ("not json", "JSON"),
    ],
)
def test_invalid_requests_are_400(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    wall: ManualClock,
    body: Any,
    detail: str,
) -> None:
    """Each broken rule is a JSON:API 400 whose detail names it; the answer is logged."""
    if isinstance(body, dict) and body.get("timestamp") == "future":
        body["timestamp"] = round(wall() * 1000) + 1
    if body == "not json":
        answer = http.post(emu.partner_url + clip_url(), data="not json", headers=pauth)
    else:
        answer = post_clip(emu, http, pauth, body)
    assert answer.status_code == 400
    (error,) = answer.json()["errors"]
    assert error["status"] == "400" and detail in error["detail"]
    assert emu.clip_requests()[-1]["status"] == 400


def test_unknown_device_and_missing_token(
    emu: Emulator, http: requests.Session, pauth: dict[str, str]
) -> None:
    """An unknown device is 404; no token is 401, logged as a request without Authorization."""
    body = {"timestamp": 0, "duration": 1000}
    unknown = http.post(emu.partner_url + clip_url("ava1.ring.device.1"), json=body, headers=pauth)
    assert unknown.status_code == 404
    assert http.post(emu.partner_url + clip_url(), json=body).status_code == 401
    assert emu.clip_requests()[-1] == {
        "device_id": FRONT,
        "body": body,
        "authorization": False,
        "status": 401,
    }
