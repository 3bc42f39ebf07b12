"""Partner image downloads: 303 to a pre-signed JPEG with X-Media-Timestamp, and the documented
errors (425 not ready, 416 none, 422 corrupt, 403 not authorized, 503 busy or offline)."""

from __future__ import annotations

import io
from typing import Any

import av
import pytest
import requests

from ringConnector.emulator import FRONT_DOOR, Emulator, Fault, ManualClock, Scenario

from .clip_helpers import FRONT, ready_ding


def post_image(emu: Emulator, http: requests.Session, auth: dict[str, str], body: Any) -> requests.Response:
    return http.post(
        f"{emu.partner_url}/v1/devices/{FRONT}/media/image/download",
        json=body,
        headers=auth,
        allow_redirects=False,
    )


def decodes(jpeg: bytes) -> tuple[int, int]:
    with av.open(io.BytesIO(jpeg), mode="r") as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def test_at_timestamp_is_a_303_to_a_jpeg_a_decoder_opens(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    event, start = ready_ding(demo_day)
    answer = post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": start + 500})
    assert answer.status_code == 303
    assert answer.headers["X-Media-Timestamp"] == str(start + 500)
    location = answer.headers["Location"]
    assert "/images/" in location and "X-Amz-Signature=" in location
    assert http.get(location, headers=pauth).status_code == 400  # storage: one auth mechanism only
    image = http.get(location)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/jpeg"
    assert decodes(image.content) == (320, 240)
    assert str(event.id).encode() in image.content  # each event's picture is its own
    forged = location.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert http.get(forged).status_code == 403


def test_latest_in_range_takes_the_latest_event_of_the_range(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    _, start = ready_ding(demo_day)
    body = {"type": "latest_in_range", "start_timestamp": start - 1000, "end_timestamp": start + 1000}
    answer = post_image(emu, http, pauth, body)
    assert answer.status_code == 303 and answer.headers["X-Media-Timestamp"] == str(start)
    too_long = {"type": "latest_in_range", "start_timestamp": 0, "end_timestamp": start}
    assert post_image(emu, http, pauth, too_long).status_code == 400


@pytest.mark.parametrize(
    ("still", "status", "code"),
    [("none", 416, "MEDIA_NOT_FOUND"), ("corrupt", 422, "CORRUPT_RECORDING"),
     ("forbidden", 403, "TIME_RANGE_NOT_AUTHORIZED")],
)  # fmt: skip
def test_what_ring_lacks_is_its_documented_error(
    emu: Emulator,
    http: requests.Session,
    pauth: dict[str, str],
    demo_day: Scenario,
    still: str,
    status: int,
    code: str,
) -> None:
    event, start = ready_ding(demo_day)
    emu.set_event(event.id, still=still)
    answer = post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": start})
    assert answer.status_code == status
    (error,) = answer.json()["errors"]
    assert (error["status"], error["code"]) == (str(status), code)


def test_a_picture_ring_is_still_making_is_425_until_it_has_it(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario, mono: ManualClock
) -> None:
    event, start = ready_ding(demo_day)
    emu.set_event(event.id, still_after_seconds=5.0)
    answer = post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": start})
    assert answer.status_code == 425 and answer.json()["errors"][0]["code"] == "RECORDING_NOT_READY"
    mono.advance(5.0)
    assert post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": start}).status_code == 303


def test_no_recording_then_is_416_and_a_busy_server_is_503(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    assert post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": 1000}).status_code == 416
    _, start = ready_ding(demo_day)
    emu.add_fault(Fault("partner_image", "status", status=503))
    assert post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": start}).status_code == 503
    assert post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": start}).status_code == 303
    assert emu.count("partner_image") == 3  # each asked once: the 416, the 503 and the 303


@pytest.mark.parametrize(
    "body",
    [{"type": "at_timestamp"}, {"type": "sometime", "timestamp": 1},
     {"type": "at_timestamp", "timestamp": "1"}, {"type": "at_timestamp", "timestamp": 10**15}, []],
)  # fmt: skip
def test_a_bad_request_is_a_400(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], body: Any
) -> None:
    assert post_image(emu, http, pauth, body).status_code == 400


def test_without_a_token_it_is_401(emu: Emulator, http: requests.Session) -> None:
    assert post_image(emu, http, {}, {"type": "at_timestamp", "timestamp": 1}).status_code == 401


def test_an_image_download_leaves_an_on_demand_event(
    emu: Emulator, http: requests.Session, pauth: dict[str, str], demo_day: Scenario
) -> None:
    """By observation, Ring's own media downloads show up in history (docs/ring-apis.md §2.4)."""
    _, start = ready_ding(demo_day)

    def on_demand() -> set[int]:
        return {e.id for e in emu.state.history(FRONT_DOOR, 10**9, None) if e.kind == "on_demand"}

    before = on_demand()
    post_image(emu, http, pauth, {"type": "at_timestamp", "timestamp": start})
    assert len(on_demand() - before) == 1
