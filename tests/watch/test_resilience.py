"""A watching server under its surroundings: the state database locked (another connection
holding BEGIN IMMEDIATE for longer than two busy timeouts, as a backup or an operator's sqlite3
shell held it for 75 s against the service's 30 s), then deleted; a full disk, then freed. Each
failed round is told, counted and tried again; dings rung meanwhile and afterwards reach the disk
and the pipeline, and /readyz is 200 again, without a restart."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from prometheus_client import REGISTRY

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Event
from ringConnector.storage.state_db import FILE_NAME
from ringConnector.watch.watcher import Watcher
from ringConnector.web.app import create_app
from tests.download.test_callbacks import Pipeline
from tests.support import (
    BACK,
    DAY,
    FRONT,
    Clock,
    FakeSleep,
    SmallDay,
    make_event,
    served,
    small_disk,
    wait_for,
)

# The state database's busy timeout here (30 s in service): the lock is held for longer than two.
BUSY = 0.2
POLL = 0.2  # a failed round is tried again within a poll interval at most


@contextmanager
def watching_server(settings: Settings, clock: Clock) -> Iterator[str]:
    """The app and its watcher (WATCH=true) behind waitress on loopback; yields its base URL."""
    with Connector(settings, sleep=FakeSleep(), now=clock) as connector:
        connector.state.busy_timeout = BUSY
        watcher = Watcher(connector)
        with served(create_app(settings, connector=connector, watcher=watcher)) as base:
            watcher.start()
            try:
                yield base
            finally:
                watcher.stop()


def watch_settings(settings: Settings, pipeline: Pipeline, **changes: Any) -> Settings:
    url = f"http://127.0.0.1:{pipeline.server_address[1]}/ring-events"
    return settings.replace(watch=True, push=False, watch_poll_interval=POLL, callback_url=url, **changes)


def get(base: str, path: str) -> tuple[int, dict[str, Any]]:
    answer = requests.get(base + path, timeout=30)
    return answer.status_code, answer.json()


def done(settings: Settings, pipeline: Pipeline, ids: set[str]) -> bool:
    """Every one of `ids` is on disk and called back."""
    on_disk = {path.stem.split("-", 2)[2] for path in settings.videos_dir.glob("*.json")}
    return ids <= on_disk and ids <= {str(body["ringId"]) for body in pipeline.received}


def failures(cause: str) -> float:
    return REGISTRY.get_sample_value("ringconnector_watch_round_failures_total", {"cause": cause}) or 0.0


def ids(events: list[Event]) -> set[str]:
    return {str(event.id) for event in events}


def settled(base: str, settings: Settings, pipeline: Pipeline, wanted: set[str]) -> bool:
    return done(settings, pipeline, wanted) and get(base, "/readyz")[0] == 200


def test_a_database_locked_beyond_two_busy_timeouts_then_deleted_loses_no_ding(
    settings: Settings, emulator: Emulator, pipeline: Pipeline, clock: Clock
) -> None:
    watching = watch_settings(settings, pipeline)
    with watching_server(watching, clock) as base:
        wait_for(lambda: settled(base, watching, pipeline, SmallDay.expected_dings()), "the day so far")
        before = failures("database")
        holder = sqlite3.connect(watching.data_dir / FILE_NAME, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # as a backup or an operator's sqlite3 shell holds it
        try:
            while_locked = [make_event(FRONT, DAY, "12:50:00"), make_event(BACK, DAY, "12:51:00")]
            emulator.add_events(while_locked)
            wait_for(lambda: get(base, "/connector/watch")[1]["failedRounds"] >= 3, "rounds failing, retried")
            status, ready = get(base, "/readyz")
            assert status == 503 and ready["watch"]["state"] == "retrying"
            assert "the watcher is retrying since" in ready["reason"]
            assert ready["reason"].endswith("last error: ringconnector.sqlite3: database is locked")
            state = get(base, "/connector/watch")[1]
            assert (state["state"], state["running"], state["outbox"]) == ("retrying", True, None)
            assert state["lastError"] == "ringconnector.sqlite3: database is locked"
            assert failures("database") - before >= 3
            assert not done(watching, pipeline, ids(while_locked))
        finally:
            holder.rollback()
            holder.close()
        wait_for(lambda: settled(base, watching, pipeline, ids(while_locked)), "the dings rung while locked")
        assert get(base, "/connector/watch")[1]["state"] == "watching"

        for path in watching.data_dir.glob(FILE_NAME + "*"):
            path.unlink()  # deleted under the running server
        afterwards = [make_event(FRONT, DAY, "12:52:00")]
        emulator.add_events(afterwards)
        wait_for(
            lambda: settled(base, watching, pipeline, ids(afterwards)), "the ding rung after the deletion"
        )
        assert (watching.data_dir / FILE_NAME).exists()
    for ring_id in ids(while_locked) | ids(afterwards):
        assert emulator.storage_downloads(ring_id) == 1


def fill(disk: Path) -> Path:
    """A file taking every byte the disk has left."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as out:
        chunk = b"\0" * (1 << 20)
        while chunk:
            try:
                out.write(chunk)
            except OSError:
                chunk = chunk[: len(chunk) // 2]  # the last pieces, until not a byte fits
    return filler


def test_a_full_disk_then_freed_loses_no_ding(
    settings: Settings, emulator: Emulator, pipeline: Pipeline, clock: Clock, tmp_path: Path
) -> None:
    with small_disk(tmp_path / "disk", "8m") as disk:
        watching = watch_settings(settings, pipeline, data_dir=disk / "data")
        with watching_server(watching, clock) as base:
            wait_for(lambda: settled(base, watching, pipeline, SmallDay.expected_dings()), "the day so far")
            before = failures("disk")
            filler = fill(disk)
            while_full = [make_event(FRONT, DAY, "12:50:00")]
            emulator.add_events(while_full)
            wait_for(lambda: get(base, "/connector/watch")[1]["failedRounds"] >= 3, "rounds failing, retried")
            status, ready = get(base, "/readyz")
            assert status == 503 and ready["watch"]["state"] == "retrying"
            assert "is full" in ready["reason"] and "No space left on device" in ready["reason"]
            assert failures("disk") - before >= 3
            assert not done(watching, pipeline, ids(while_full))
            os.unlink(filler)
            afterwards = [make_event(FRONT, DAY, "12:52:00")]
            emulator.add_events(afterwards)
            wanted = ids(while_full) | ids(afterwards)
            wait_for(lambda: settled(base, watching, pipeline, wanted), "the dings rung while full and after")
            assert get(base, "/connector/watch")[1]["state"] == "watching"
    for ring_id in wanted:
        assert emulator.storage_downloads(ring_id) == 1
