"""The consumer API's picture of an event by the snapshot uuid its push names: a JPEG a decoder
opens, 404 while Ring has none (yet), bytes no decoder reads when it went wrong."""

from __future__ import annotations

import io
import json
from pathlib import Path

import av
import pytest
import requests

from ringConnector.emulator import Emulator, ManualClock, Scenario
from ringConnector.emulator.http.stills import snapshot_uuid
from ringConnector.emulator.push.payloads import push_notification

FIXTURES = Path(__file__).parents[2] / "fixtures" / "push"


def ding(scenario: Scenario) -> tuple[int, int]:
    event = next(e for e in scenario.events if e.kind == "ding" and e.recording_status == "ready")
    return event.id, event.device_id


def fetch(emu: Emulator, http: requests.Session, auth: dict[str, str], uuid: str) -> requests.Response:
    return http.get(
        f"{emu.api_url}/clients_api/snapshots/uuid",
        params={"uuid": uuid},
        headers={**auth, "accept": "image/jpeg"},
    )


def test_the_push_names_the_picture_in_the_libraries_shape(demo_day: Scenario) -> None:
    event = next(e for e in demo_day.events if e.kind == "ding")
    device = next(d for d in demo_day.devices if d.id == event.device_id)
    img = json.loads(push_notification(event, device)["data"]["img"])
    fixture = json.loads((FIXTURES / "camera_motion_img.json").read_text())
    assert set(img) == set(fixture) == {"snapshot_uuid"}
    uuid, _, number = img["snapshot_uuid"].partition(":")
    assert len(uuid) == len(fixture["snapshot_uuid"].partition(":")[0]) and number.isdigit()


def test_the_uuid_fetches_a_jpeg_with_or_without_its_suffix(
    emu: Emulator, http: requests.Session, auth: dict[str, str], demo_day: Scenario
) -> None:
    event_id, _ = ding(demo_day)
    named = snapshot_uuid(event_id)
    for uuid in (named, named.partition(":")[0]):  # ring-client-api cleans the ":..." off
        answer = fetch(emu, http, auth, uuid)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
        with av.open(io.BytesIO(answer.content), mode="r") as container:
            assert next(container.decode(video=0)).width == 320
    assert emu.count("snapshot") == 2


def test_no_picture_yet_or_none_is_404_and_a_broken_one_decodes_to_nothing(
    emu: Emulator, http: requests.Session, auth: dict[str, str], demo_day: Scenario, mono: ManualClock
) -> None:
    event_id, _ = ding(demo_day)
    uuid = snapshot_uuid(event_id)
    emu.set_event(event_id, still_after_seconds=3.0)
    assert fetch(emu, http, auth, uuid).status_code == 404
    mono.advance(3.0)
    assert fetch(emu, http, auth, uuid).status_code == 200
    emu.set_event(event_id, still="none")
    assert fetch(emu, http, auth, uuid).status_code == 404
    emu.set_event(event_id, still="corrupt")
    broken = fetch(emu, http, auth, uuid)
    assert broken.status_code == 200
    with pytest.raises(av.error.InvalidDataError), av.open(io.BytesIO(broken.content), mode="r") as bad:
        next(bad.decode(video=0))
    assert fetch(emu, http, auth, "00000000-0000-0000-0000-000000000000").status_code == 404


def test_without_a_token_it_is_401(emu: Emulator, http: requests.Session, demo_day: Scenario) -> None:
    event_id, _ = ding(demo_day)
    assert fetch(emu, http, {}, snapshot_uuid(event_id)).status_code == 401
