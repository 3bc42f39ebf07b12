"""A slow pipeline never slows Ring: callbacks have connections of their own, CALLBACK_CONCURRENCY
at once, so a receiver that accepts and never answers holds only its own deliveries; once it is
back, everything held and waiting arrives, each once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator
from ringConnector.storage.state_db import FILE_NAME, StateDatabase
from ringConnector.web.app import create_app
from tests.download.test_callbacks import Pipeline
from tests.download.test_outbox import url_of
from tests.support import DAY, FRONT, Clock, FakeSleep, SmallDay, make_event, served, wait_for

# A dozen dings: more than the one connection pool (10) the callbacks once shared with Ring.
EVENTS = [make_event(FRONT, DAY, f"{8 + n:02d}:00:00") for n in range(12)]
NEW = make_event(FRONT, DAY, "21:00:00")


class Holding(ThreadingHTTPServer):
    """A receiver that accepts each POST and answers nothing until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.arrived: list[str] = []  # ring ids of the POSTs it holds or held
        self.answered: list[str] = []
        super().__init__(("127.0.0.1", 0), _Hold)


class _Hold(BaseHTTPRequestHandler):
    server: Holding

    def do_POST(self) -> None:
        ring_id = str(json.loads(self.rfile.read(int(self.headers["Content-Length"])))["ringId"])
        with self.server.lock:
            self.server.arrived.append(ring_id)
        self.server.release.wait(timeout=120)
        with self.server.lock:
            self.server.answered.append(ring_id)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def holding() -> Iterator[Holding]:
    server = Holding()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()


@pytest.mark.events(EVENTS)
def test_a_receiver_that_never_answers_holds_up_no_download_and_gets_everything_once_back(
    settings: Settings, emulator: Emulator, holding: Holding, sleep: FakeSleep, clock: Clock
) -> None:
    with Connector(settings, sleep=sleep, now=clock) as connector:  # no callback yet
        bodies = connector.download_day(DAY).downloaded
    database = StateDatabase(settings.data_dir / FILE_NAME, clock=lambda: clock().timestamp())
    for body in bodies:  # callbacks an earlier run could not deliver
        database.put(str(body["ringId"]), body)
    url = f"http://127.0.0.1:{holding.server_address[1]}/ring-events"
    configured = settings.replace(callback_url=url, callback_timeout=300.0)
    with (
        Connector(configured, sleep=sleep, now=clock) as connector,
        served(create_app(configured, connector=connector)) as base,
    ):
        connector.drain_callbacks()  # the start-up drain: a dozen deliveries at once
        wait_for(lambda: len(holding.arrived) == configured.callback_concurrency, "the receiver to hold them")
        emulator.add_events([NEW])
        answer = requests.get(f"{base}/connector/download/{DAY:%Y%m%d}", timeout=60)
        # Downloaded while every callback connection is held: none of them timed out or failed.
        assert [body["ringId"] for body in answer.json()] == [str(NEW.id)]
        assert len(holding.arrived) == configured.callback_concurrency and holding.answered == []
        assert all(row.attempts == 0 for row in database.due(waiting_too=True))
        holding.release.set()  # the receiver is back
        wait_for(lambda: database.undelivered() == 0, "every held and waiting callback")
    assert sorted(holding.answered) == sorted([*(str(b["ringId"]) for b in bodies), str(NEW.id)])


def test_a_receiver_back_from_an_outage_gets_what_waits_at_its_first_success(
    settings: Settings, emulator: Emulator, sleep: FakeSleep, clock: Clock
) -> None:
    down = Pipeline(failures=10**9)
    threading.Thread(target=down.serve_forever, daemon=True).start()
    try:
        with Connector(settings.replace(callback_url=url_of(down)), sleep=sleep, now=clock) as connector:
            connector.download_day(DAY)
            database = connector.state

            def attempts() -> list[int]:
                return [row.attempts for row in database.due(waiting_too=True)]

            wait_for(lambda: attempts() == [1] * 5, "every delivery to give up for now")
            assert database.due() == []  # each waits for its next try, 30 s on: the clock stands still
            down.failures = 0
            new = make_event(FRONT, DAY, "21:00:00")
            emulator.add_events([new])
            clock.now += timedelta(seconds=1)
            connector.download_day(DAY)
            wait_for(lambda: database.undelivered() == 0, "the waiting callbacks, sent on the first success")
        received = sorted(str(body["ringId"]) for body in down.received)
        assert received == sorted([*SmallDay.expected_dings(), str(new.id)])
    finally:
        down.shutdown()
        down.server_close()
