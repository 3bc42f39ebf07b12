"""The callback outbox: every downloaded event's JSON reaches CALLBACK_URL at least once, across
a receiver that is down for a while, restarts, and a crash between the outbox and the JSON."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.storage.state_db import FILE_NAME, OUTBOX_KEEP, WEBHOOK_KEEP, StateDatabase
from tests.download.test_callbacks import Pipeline
from tests.support import DAY, FakeSleep, SmallDay, wait_for


@pytest.fixture
def down() -> Iterator[Pipeline]:
    """A receiver that answers 503 until told otherwise."""
    server = Pipeline(failures=10**9)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(pipeline: Pipeline) -> str:
    return f"http://127.0.0.1:{pipeline.server_address[1]}/ring-events"


def test_a_receiver_down_for_a_while_gets_every_event_once_it_is_back(
    settings: Settings, down: Pipeline, sleep: FakeSleep
) -> None:
    configured = settings.replace(callback_url=url_of(down))
    with Connector(configured, sleep=sleep) as connector:
        report = connector.download_day(DAY)
    # The policy gave up on each delivery; the outbox keeps them all.
    database = StateDatabase(settings.data_dir / FILE_NAME)
    assert database.undelivered() == len(SmallDay.expected_dings()) == len(report.downloaded)
    assert down.received == []

    down.failures = 0  # the receiver is back; the next process (a restart) delivers at once
    with Connector(configured, sleep=sleep) as connector:
        assert connector.download_day(DAY).downloaded == []  # nothing is downloaded twice
        wait_for(lambda: database.undelivered() == 0, "the outbox to drain")
    assert sorted(str(b["ringId"]) for b in down.received) == sorted(SmallDay.expected_dings())


def test_a_row_whose_json_never_came_waits_for_the_download(
    settings: Settings, down: Pipeline, sleep: FakeSleep
) -> None:
    """A crash after the outbox row but before the event JSON: nothing is sent for a file that is
    not there; the next download writes the JSON and delivers it."""
    down.failures = 0
    database = StateDatabase(settings.data_dir / FILE_NAME)
    first = str(SmallDay.first.id)
    database.put(first, {"ringId": first, "note": "queued just before a crash"})
    configured = settings.replace(callback_url=url_of(down))
    with Connector(configured, sleep=sleep) as connector:
        connector.drain_callbacks()
        assert down.received == []  # its JSON is not on disk: not sent
        connector.download_day(DAY)
        wait_for(lambda: database.undelivered() == 0, "every delivery")
    delivered = [b for b in down.received if str(b["ringId"]) == first]
    assert len(delivered) == 1 and "note" not in delivered[0]  # the real JSON, once


def test_a_drain_delivers_the_json_on_disk_not_an_older_copy_in_the_outbox(
    settings: Settings, down: Pipeline, sleep: FakeSleep
) -> None:
    """The outbox row's copy can be older than the JSON (a download rewrote both while a drain
    held the row): what is delivered is what is on disk, once."""
    down.failures = 0
    with Connector(settings, sleep=sleep) as connector:  # no CALLBACK_URL yet: JSON on disk only
        connector.download_day(DAY)
        on_disk = connector.library.read(str(SmallDay.first.id))
    database = StateDatabase(settings.data_dir / FILE_NAME)
    first = str(SmallDay.first.id)
    database.put(first, {"ringId": first, "note": "an older copy"})
    with Connector(settings.replace(callback_url=url_of(down)), sleep=sleep) as connector:
        connector.drain_callbacks()
        wait_for(lambda: database.undelivered() == 0, "the drain")
    assert down.received == [on_disk]


class Wall:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_outbox_rows_are_due_when_their_time_comes_and_expire_after_a_day(tmp_path: Path) -> None:
    wall = Wall()
    database = StateDatabase(tmp_path / FILE_NAME, clock=wall)
    database.put("a", {"ringId": "a"})
    database.put("b", {"ringId": "b"})
    assert [row.ring_id for row in database.due()] == ["a", "b"]
    database.failed("a", retry_in=30)
    database.delivered("b")
    assert database.due() == [] and database.undelivered() == 1
    wall.now += 30
    (row,) = database.due()
    assert (row.ring_id, row.attempts) == ("a", 1)
    wall.now += OUTBOX_KEEP
    assert database.due() == [] and database.undelivered() == 0


def test_a_webhook_request_id_is_new_once_and_forgotten_after_80_h(tmp_path: Path) -> None:
    wall = Wall()
    database = StateDatabase(tmp_path / FILE_NAME, clock=wall)
    assert database.seen("r-1") is False
    assert database.remember("r-1") is True
    assert database.remember("r-1") is False
    assert StateDatabase(tmp_path / FILE_NAME, clock=wall).seen("r-1") is True  # durable
    wall.now += WEBHOOK_KEEP + 1
    assert database.seen("r-1") is False
    assert database.remember("r-2") is True  # and the sweep drops r-1
    assert database.remember("r-1") is True


def test_an_outbox_of_one_row_per_event_is_taken_over_as_the_video_stage(tmp_path: Path) -> None:
    """A state database written before stills (an `outbox` table): its undelivered rows are
    delivered all the same, as the events' video stage."""
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE outbox (ring_id TEXT PRIMARY KEY, body TEXT NOT NULL, created REAL NOT NULL, "
            "attempts INTEGER NOT NULL DEFAULT 0, next_try REAL NOT NULL, delivered REAL)"
        )
        old.execute("INSERT INTO outbox VALUES ('a', ?, 1.8e9, 2, 1.8e9, NULL)", ('{"ringId": "a"}',))
    wall = Wall()
    (row,) = StateDatabase(path, clock=wall).due()
    assert (row.ring_id, row.stage, row.attempts, row.body) == ("a", "video", 2, {"ringId": "a"})


def test_an_events_still_is_delivered_before_its_video_and_each_is_marked_on_its_own(tmp_path: Path) -> None:
    wall = Wall()
    database = StateDatabase(tmp_path / FILE_NAME, clock=wall)
    database.put("a", {"ringId": "a", "status": "SNAPSHOT"}, "snapshot")
    database.put("a", {"ringId": "a", "status": "UNPROCESSED"}, "video")
    assert [(row.stage, row.body["status"]) for row in database.due()] == [
        ("snapshot", "SNAPSHOT"),
        ("video", "UNPROCESSED"),
    ]
    database.delivered("a", "snapshot")
    assert [row.stage for row in database.due()] == ["video"] and database.undelivered() == 1
