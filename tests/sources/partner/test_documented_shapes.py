"""The Partner source on Ring's documented shapes: video devices from capabilities, unreadable
items cost only themselves, and the on_demand events our own clips and live views make are never
downloaded (docs/ring-apis.md §2.2, §2.4)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, ManualClock, partner_device_id
from ringConnector.model.events import Device, RingEvent, Unreadable
from ringConnector.sources.partner.source import _event, is_video
from tests.emulator.partner.sdp_offer import browser_offer
from tests.sources.partner.support import LATER, SharedSleep
from tests.support import FRONT

FRONT_ID = partner_device_id(FRONT)
DEVICE = Device(id=FRONT_ID, name="Front Door", kind="video", device_type="video")
VIDEO = {"configurations": ["resolution_mode"], "codecs": ["AVC"], "ratio": "16:9", "max_resolution": 1080}


def test_video_devices_are_told_by_their_video_capability() -> None:
    """Codecs and configurations make a video device; a missing key, null or nulls do not."""
    assert is_video({"video": VIDEO})
    cases: list[object] = [{}, {"video": None}, {"video": dict.fromkeys(VIDEO)}, None, {"video": []}]
    for attributes in cases:
        assert not is_video(attributes), attributes


def test_unreadable_items_are_named_not_skipped() -> None:
    """No id, no numeric start, a broken end: Unreadable with the reason (and the id if any)."""
    good = {
        "id": "ava1.ring.history.event.x",
        "attributes": {"event_type": "ding", "start": 1000, "end": 31000},
    }
    assert isinstance(event := _event(good, DEVICE), RingEvent) and event.duration == 30.0
    cases = [
        ({"attributes": {"event_type": "ding", "start": 1000}}, None, "without an id"),
        ({"id": "e1", "attributes": {"event_type": "ding", "start": "yesterday"}}, "e1", "no numeric start"),
        ({"id": "e2", "attributes": {"event_type": "ding", "start": 5000, "end": 10}}, "e2", "broken end"),
        ({"id": "e3", "attributes": {"event_type": "ding", "start": True}}, "e3", "no numeric start"),
        ("not an object", None, "not an object"),
    ]
    for item, ring_id, reason in cases:
        found = _event(item, DEVICE)
        assert isinstance(found, Unreadable) and found.ring_id == ring_id and reason in found.reason


def test_devices_are_the_video_devices_and_never_none(partner_connector: Connector) -> None:
    """The documented device list gives every camera and doorbell, not the chime, and no kind."""
    found = partner_connector.devices()
    ids = {d.id for d in found}
    assert FRONT_ID in ids and partner_device_id(3 + FRONT) not in ids  # the chime has no video
    assert {d.kind for d in found} == {"video"}
    assert {d.device_type for d in found} == {"video"} and {d.time_zone for d in found} == {None}


def test_our_own_on_demand_events_are_never_downloaded(
    partner_settings: Settings,
    partner_emulator: Emulator,
    shared_sleep: SharedSleep,
    wall: ManualClock,
    partner_app: FlaskClient,
) -> None:
    """With ding,on_demand: a user's own live view downloads; the on_demand events our clip
    download and our record's live view left in history do not, today or on a later run."""
    auth = {"Authorization": f"Bearer {partner_emulator.issue_partner_token()['access_token']}"}
    with requests.Session() as http:
        sessions = f"{partner_emulator.partner_url}/v1/devices/{FRONT_ID}/media/streaming/whep/sessions"
        opened = http.post(sessions, data=browser_offer(), headers=auth | {"Content-Type": "application/sdp"})
        location = opened.headers["Location"]
        wall.advance(20)
        assert http.delete(partner_emulator.partner_url + location, headers=auth).status_code == 204
    wall.advance(60)
    settings = partner_settings.replace(event_kinds=("ding", "on_demand"))
    today = LATER.astimezone(settings.zone).date()
    now = lambda: datetime.fromtimestamp(wall(), UTC)  # noqa: E731
    with Connector(settings, sleep=shared_sleep, now=now) as connector:
        first = connector.download_day(today)
        assert [e["kind"] for e in first.downloaded] == ["on_demand"]  # the user's live view
        user = first.downloaded[0]["ringId"]
        recorded = connector.record(FRONT_ID, 5)  # our live view and its clip download
        wall.advance(120)
        second = connector.download_day(today)
    assert second.downloaded == [] and second.failed == []
    assert user in {s[0] for s in second.skipped}  # already in DATA_DIR
    assert recorded["kind"] == "on_demand"
    # Our clip downloads and live view did make on_demand events: Ring lists them, we skip them.
    assert len(connector_own_windows(settings)) >= 3


def connector_own_windows(settings: Settings) -> list[object]:
    """The windows the connector remembers having caused."""
    import json

    path = settings.data_dir / "partner-own-media.json"
    return list(json.loads(path.read_text(encoding="utf-8")))


def test_record_longer_than_a_live_view_is_refused(partner_app: FlaskClient) -> None:
    """A live view lasts 30 s on battery devices: a longer record is a clear 400."""
    response = partner_app.post(f"/connector/record/{FRONT_ID}?seconds=45")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "live view" in text and "30 s" in text
