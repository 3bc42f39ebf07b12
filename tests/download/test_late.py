"""Recordings Ring is still preparing: fetched soon after they are ready, with few storage requests;
kept pending past their day's download and fetched by a later call of any day, once; dropped after
a day. Time is the emulator's clock and the Connector's, moved together by the injected sleep."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, ManualClock, Scenario
from ringConnector.storage.state_db import FILE_NAME as STATE_FILE
from ringConnector.storage.state_db import StateDatabase
from ringConnector.web.app import create_app
from tests.support import ACCOUNT, DAY, FRONT, Clock, devices, make_event, signed_in

# A ding a minute before midnight, 30 s long: its recording can exist from 23:59:30.
LATE = make_event(FRONT, DAY, "23:59:00", duration=30.0)
ENDED = LATE.created_at + timedelta(seconds=30)
NEXT_DAY = DAY + timedelta(days=1)
MORNING = make_event(FRONT, NEXT_DAY, "08:00:00")


class Moving:
    """The injected sleep: each wait moves the emulator's clock and the Connector's alike."""

    def __init__(self, emulator_clock: ManualClock, clock: Clock) -> None:
        self.emulator_clock, self.clock = emulator_clock, clock
        self.waits: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.advance(delay)
        self.waits.append(delay)

    def advance(self, seconds: float) -> None:
        self.emulator_clock.advance(seconds)
        self.clock.now += timedelta(seconds=seconds)


@contextmanager
def world(
    tmp_path: Path, *, max_wait: float = 100.0, **late: object
) -> Iterator[tuple[Emulator, Connector, Moving]]:
    """An emulator whose clock starts at LATE's end, and a Connector on the same time."""
    late_event = dataclasses.replace(LATE, **late)  # type: ignore[arg-type]  # Event's own fields
    scenario = Scenario(account=ACCOUNT, devices=devices(), events=[late_event, MORNING])
    emulator_clock = ManualClock(start=0.0)
    clock = Clock(ENDED)
    moving = Moving(emulator_clock, clock)
    with Emulator(scenario, clock=emulator_clock) as emulator:
        settings = signed_in(
            tmp_path, emulator, retry_max_wait=max_wait, retry_initial_delay=2, retry_max_delay=30
        )
        with Connector(settings, sleep=moving, now=clock) as connector:
            yield emulator, connector, moving


def pending(tmp_path: Path) -> list[dict[str, str]]:
    """The pending rows of DATA_DIR's state database, as a later process reads them."""
    rows = StateDatabase(tmp_path / "data" / STATE_FILE).pending_rows()
    return [dict(zip(("ring_id", "device_id", "day", "since"), row, strict=True)) for row in rows]


@pytest.mark.parametrize("preparation", [5.0, 60.0, 300.0])
def test_fetched_within_a_quarter_of_its_wait_plus_a_second_from_one_storage_request(
    tmp_path: Path, preparation: float
) -> None:
    """History says `processing` until Ring has it (emulator clock); storage is asked once."""
    with world(tmp_path, max_wait=1000, ready_after_seconds=preparation) as (emulator, connector, moving):
        report = connector.download_day(DAY)
        fetched_at = sum(moving.waits)  # no time passes but in waits: the fetch came right after the last
        assert [b["ringId"] for b in report.downloaded] == [str(LATE.id)]
        # Within a quarter of the time Ring spent on it (since the ding began, 30 s before) plus a second.
        assert preparation <= fetched_at <= preparation + (preparation + 30) / 4 + 1
        assert emulator.state.storage_gets(LATE.id) == 1  # the number asserted: one storage request
        assert pending(tmp_path) == []


@pytest.mark.parametrize("lag", [5.0, 60.0])
def test_storage_that_lags_history_is_polled_by_its_age_not_by_attempts(tmp_path: Path, lag: float) -> None:
    """History says `ready` but storage 404s for `lag` s (docs/ring-apis.md §1.5): the retry waits
    follow the time waited, so the fetch comes within a quarter of it plus a second."""
    with world(tmp_path, prepare_after_seconds=lag) as (emulator, connector, moving):
        report = connector.download_day(DAY)
        assert [b["ringId"] for b in report.downloaded] == [str(LATE.id)]
        assert lag <= sum(moving.waits) <= lag + (lag + 30) / 4 + 1
        # A handful: the waits are a quarter of the time since the ding began, so the 60 s lag
        # takes 7 storage requests (counted from the event's end they were 15; 30 s steps did 5
        # for 60 s but came up to 30 s late).
        assert emulator.state.storage_gets(LATE.id) == len(moving.waits) + 1
        assert emulator.state.storage_gets(LATE.id) <= (3 if lag == 5 else 8)


def test_a_recording_ready_after_its_days_download_is_fetched_by_the_next_call_of_another_day(
    tmp_path: Path,
) -> None:
    with world(tmp_path, ready_after_seconds=3600) as (emulator, connector, moving):
        first = connector.download_day(DAY)
        assert first.downloaded == []
        assert (str(LATE.id), "recording not ready") in first.skipped
        assert [(e["ring_id"], e["day"]) for e in pending(tmp_path)] == [(str(LATE.id), "20261122")]
        assert emulator.state.storage_gets(LATE.id) == 0  # history said processing: storage never asked

        moving.advance(2 * 3600)  # Ring has it now; the next cron run asks for the new day
        second = connector.download_day(NEXT_DAY)
        assert [b["ringId"] for b in second.downloaded] == [str(MORNING.id)]
        assert [(b["ringId"], b["date"]) for b in second.late] == [(str(LATE.id), "20261122")]
        assert pending(tmp_path) == []
        assert emulator.storage_downloads(str(LATE.id)) == 1

        third = connector.download_day(NEXT_DAY)
        assert third.late == [] and third.downloaded == []
        assert emulator.storage_downloads(str(LATE.id)) == 1  # once


def test_over_http_a_late_recording_is_named_in_a_header(tmp_path: Path) -> None:
    with world(tmp_path, ready_after_seconds=3600) as (_, connector, moving):
        app = create_app(connector.settings, connector=connector)
        client = app.test_client()
        assert client.post("/connector/download/20261122").get_json() == []
        moving.advance(2 * 3600)
        response = client.post("/connector/download/20261123")
        assert response.status_code == 200
        assert [b["ringId"] for b in response.get_json()] == [str(MORNING.id)]
        assert response.headers["X-Late-Downloaded-Ids"] == str(LATE.id)


def test_a_pending_recording_older_than_a_day_is_dropped_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with world(tmp_path, ready_after_seconds=10**9) as (emulator, connector, moving):
        connector.download_day(DAY)
        assert len(pending(tmp_path)) == 1
        moving.advance(12 * 3600)
        connector.download_day(NEXT_DAY)  # still not ready: still pending
        assert len(pending(tmp_path)) == 1
        moving.advance(13 * 3600)
        before = emulator.count("history")
        with caplog.at_level(logging.WARNING):
            connector.download_day(NEXT_DAY)
        assert pending(tmp_path) == []
        dropping = emulator.count("history") - before
        connector.download_day(NEXT_DAY)  # the same day again, with nothing pending
        # The old day is not walked again: the call that dropped it read what a plain call reads.
        assert dropping == emulator.count("history") - before - dropping
        assert f"event {LATE.id} of 20261122: recording still not ready after a day" in caplog.text
