"""A still per event, consumer API, in day downloads: a frame of the video at the event's moment
(history names no picture of an event: only a push does), beside the video, named in its event
JSON and served at GET /connector/snapshots/<ringId>; SNAPSHOTS chooses."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from flask import Flask

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.storage.stills import decodes
from tests.support import DAY, Clock, FakeSleep, SmallDay, closest_second, served


def test_every_downloaded_event_has_a_still_from_its_video_at_the_events_moment(
    connector: Connector, settings: Settings
) -> None:
    report = connector.download_day(DAY)
    assert {body["ringId"] for body in report.downloaded} == SmallDay.expected_dings()
    for body in report.downloaded:
        still = Path(body["snapshotFileName"])
        assert still == Path(body["videoFileName"]).with_suffix(".jpg")
        assert (body["snapshotSource"], body["snapshotTakenAt"]) == ("video_frame", body["createdAt"])
        assert decodes(still.read_bytes())
        assert closest_second(still.read_bytes()) == 0.0  # the recording's start: the event's moment


def test_snapshots_never_keeps_no_still(settings: Settings, sleep: FakeSleep, clock: Clock) -> None:
    with Connector(settings.replace(snapshots="never"), sleep=sleep, now=clock) as connector:
        report = connector.download_day(DAY)
    assert report.downloaded and not list(settings.videos_dir.glob("*.jpg"))
    assert all("snapshotFileName" not in body for body in report.downloaded)


def test_snapshots_only_on_the_consumer_api_takes_nothing_without_rings_pictures(
    settings: Settings, sleep: FakeSleep, clock: Clock
) -> None:
    """History names no picture; a video's frame needs the video: nothing to take."""
    with Connector(settings.replace(snapshots="only"), sleep=sleep, now=clock) as connector:
        report = connector.download_day(DAY)
    assert report.downloaded == [] and report.complete
    assert not any(settings.videos_dir.glob("*.mp4")) and not any(settings.videos_dir.glob("*.jpg"))
    assert (str(SmallDay.first.id), "no footage") in report.skipped


def test_the_still_is_served_with_an_etag_and_unknown_ones_are_a_json_404(
    app: Flask, connector: Connector
) -> None:
    first = str(SmallDay.first.id)
    with served(app) as base:
        assert requests.get(f"{base}/connector/snapshots/{first}", timeout=10).status_code == 404  # none yet
        connector.download_day(DAY)
        answer = requests.get(f"{base}/connector/snapshots/{first}", timeout=10)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/jpeg"
        assert decodes(answer.content) and answer.headers["ETag"]
        again = requests.get(
            f"{base}/connector/snapshots/{first}",
            headers={"If-None-Match": answer.headers["ETag"]},
            timeout=10,
        )
        assert again.status_code == 304
        missing = requests.get(f"{base}/connector/snapshots/7", timeout=10)
        assert missing.status_code == 404 and set(missing.json()) == {"error", "message"}


@pytest.mark.parametrize("bad", [b"", b"\xff\xd8 not a jpeg", b"GIF89a"])
def test_bytes_no_decoder_reads_are_no_still(bad: bytes) -> None:
    assert not decodes(bad)
