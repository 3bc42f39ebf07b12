"""A still per event, Partner API, in day downloads: Ring's picture of the event's start (the
image download), else a frame of the video; SNAPSHOTS=only takes the pictures alone, as each
event's SNAPSHOT stage; the image downloads' own on_demand events are never downloaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, ManualClock, Scenario, partner_event_id
from ringConnector.storage.stills import decodes
from ringConnector.web.app import create_app
from tests.sources.partner.support import CLIP_RATE, SharedSleep
from tests.support import ACCOUNT, BACK, DAY, FRONT, closest_second, devices, make_event

PICTURED = make_event(FRONT, DAY, "08:00:00")
NONE = make_event(FRONT, DAY, "09:00:00", still="none")
CORRUPT = make_event(FRONT, DAY, "10:00:00", still="corrupt")
FORBIDDEN = make_event(BACK, DAY, "11:00:00", still="forbidden")
EVENTS = [PICTURED, NONE, CORRUPT, FORBIDDEN]


@pytest.fixture
def partner_scenario() -> Scenario:
    return Scenario(account=ACCOUNT, devices=devices(), events=EVENTS)


@pytest.fixture
def partner_emulator(partner_scenario: Scenario, wall: ManualClock) -> Iterator[Emulator]:
    """The Partner host with one clock for all: Ring making a picture takes the time the
    connector's (shared) sleep says."""
    with Emulator(partner_scenario, clock=wall, wall_clock=wall, clip_bytes_per_second=CLIP_RATE) as emu:
        yield emu


def by_id(bodies: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(body["ringId"]): body for body in bodies}


def test_rings_picture_where_it_gives_one_else_a_frame_of_the_video(
    partner_connector: Connector, partner_emulator: Emulator
) -> None:
    found = by_id(partner_connector.download_day(DAY).downloaded)
    assert set(found) == {partner_event_id(e.id) for e in EVENTS}
    pictured = found[partner_event_id(PICTURED.id)]
    assert (pictured["snapshotSource"], pictured["snapshotTakenAt"]) == (
        "partner_image",
        pictured["createdAt"],
    )
    jpeg = Path(str(pictured["snapshotFileName"])).read_bytes()
    assert f"ring emulator still of {PICTURED.id}".encode() in jpeg and closest_second(jpeg) == 2.0
    for event in (NONE, CORRUPT, FORBIDDEN):  # 416, 422, 403: a frame of the video instead
        body = found[partner_event_id(event.id)]
        still = Path(str(body["snapshotFileName"])).read_bytes()
        assert body["snapshotSource"] == "video_frame" and decodes(still) and closest_second(still) == 0.0


def test_a_picture_ring_is_still_making_is_waited_for(
    partner_emulator: Emulator, partner_connector: Connector, shared_sleep: SharedSleep
) -> None:
    partner_emulator.set_event(PICTURED.id, still_after_seconds=5.0)  # 425 RECORDING_NOT_READY until then
    body = by_id(partner_connector.download_day(DAY).downloaded)[partner_event_id(PICTURED.id)]
    assert body["snapshotSource"] == "partner_image"
    assert partner_emulator.count("partner_image") >= len(EVENTS) + 1  # and the retries
    assert sum(shared_sleep.waits) >= 5.0


def test_a_picture_ring_never_has_in_time_gives_way_to_a_frame_of_the_video(
    partner_emulator: Emulator, partner_connector: Connector
) -> None:
    partner_emulator.set_event(PICTURED.id, still_after_seconds=3600.0)  # far past the still's wait
    body = by_id(partner_connector.download_day(DAY).downloaded)[partner_event_id(PICTURED.id)]
    assert body["snapshotSource"] == "video_frame" and Path(str(body["videoFileName"])).is_file()


def test_snapshots_only_takes_rings_pictures_as_snapshot_stages_and_no_video(
    partner_settings: Settings,
    partner_emulator: Emulator,
    shared_sleep: SharedSleep,
    partner_connector: Connector,
) -> None:
    only = partner_settings.replace(snapshots="only")
    with Connector(only, sleep=shared_sleep, now=partner_connector.now) as connector:
        report = connector.download_day(DAY)
        client: FlaskClient = create_app(only, connector=connector).test_client()
        feed = client.get("/connector/events?after=0").get_json()
    (body,) = report.downloaded  # the others: Ring has no picture, and no video is taken
    assert body["ringId"] == partner_event_id(PICTURED.id) and body["status"] == "SNAPSHOT"
    assert not Path(str(body["videoFileName"])).exists() and decodes(
        Path(str(body["snapshotFileName"])).read_bytes()
    )
    assert not list(partner_settings.videos_dir.glob("*.mp4")) and not list(
        partner_settings.videos_dir.glob("*.json")
    )
    assert [(e["ringId"], e["status"]) for e in feed["events"]] == [(body["ringId"], "SNAPSHOT")]
    assert partner_emulator.count("partner_clip") == 0
    # A later run with videos takes Ring's picture already on disk and writes the event JSON.
    full = by_id(partner_connector.download_day(DAY).downloaded)[body["ringId"]]
    assert (full["snapshotFileName"], full["snapshotSource"]) == (body["snapshotFileName"], "partner_image")
    assert int(str(full["seq"])) > int(str(body["seq"]))


def test_the_image_downloads_own_on_demand_events_are_not_downloaded(
    partner_settings: Settings,
    partner_emulator: Emulator,
    shared_sleep: SharedSleep,
    partner_connector: Connector,
) -> None:
    kinds = partner_settings.replace(event_kinds=("ding", "on_demand"))
    with Connector(kinds, sleep=shared_sleep, now=partner_connector.now) as connector:
        first = connector.download_day(DAY)
        again = connector.download_day(DAY)
    assert {b["kind"] for b in first.downloaded} == {"ding"} and again.downloaded == []
