"""The first look, consumer API: a pushed ding's picture (by the push's snapshot uuid) is on disk
and called back at once (status SNAPSHOT), then the video is called back as before, each stage
once, in that order. In-process, on the real clock, the real push listener."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.support import FRONT, Receiver, wait_for
from tests.watch.test_push import Watching, started


@pytest.fixture
def watching(push_settings: Settings, receiver: Receiver) -> Iterator[Watching]:
    found = started(Watching(push_settings.replace(callback_url=receiver.url)))
    yield found
    found.close()


def decodes(path: Path) -> bool:
    with av.open(io.BytesIO(path.read_bytes()), mode="r") as container:
        return next(container.decode(video=0)).width > 0


def test_a_pushed_ding_is_called_back_with_rings_picture_then_with_its_video(
    emulator: Emulator, watching: Watching, receiver: Receiver
) -> None:
    ding = emulator.ring_now(FRONT, ready_after=4.0, still_after=0.5)
    ring_id = str(ding.id)
    wait_for(lambda: len(receiver.of(ring_id)) == 1, "the first look's callback")
    (first,) = receiver.of(ring_id)
    assert (first["status"], first["snapshotSource"]) == ("SNAPSHOT", "consumer_snapshot")
    still = Path(first["snapshotFileName"])
    assert still.is_file() and decodes(still)
    assert b"ring emulator still of " + ring_id.encode() in still.read_bytes()  # Ring's, not a frame
    assert not Path(first["videoFileName"]).exists()  # before the video
    wait_for(lambda: len(receiver.of(ring_id)) == 2, "the video's callback", deadline=60)
    second = receiver.of(ring_id)[1]
    assert second["status"] == "UNPROCESSED" and Path(second["videoFileName"]).is_file()
    assert (second["snapshotFileName"], second["snapshotSource"]) == (str(still), "consumer_snapshot")
    assert second["seq"] > first["seq"]
    assert emulator.count("snapshot") >= 1
    watching.connector.drain_callbacks()
    assert [body["status"] for body in receiver.of(ring_id)] == ["SNAPSHOT", "UNPROCESSED"]  # each once


def test_a_ding_ring_has_no_picture_of_gets_a_frame_of_its_video_and_one_callback(
    emulator: Emulator, watching: Watching, receiver: Receiver
) -> None:
    ding = emulator.ring_now(FRONT, ready_after=1.0, still="none")
    ring_id = str(ding.id)
    wait_for(lambda: len(receiver.of(ring_id)) == 1, "the video's callback", deadline=60)
    (only,) = receiver.of(ring_id)
    assert (only["status"], only["snapshotSource"]) == ("UNPROCESSED", "video_frame")
    assert decodes(Path(only["snapshotFileName"]))
