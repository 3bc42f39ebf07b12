"""While a long download runs, server.py keeps answering other requests: liveness, a day with
nothing to fetch, and the same day with a skip list naming every event."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from ringConnector.cli.demo import running_server
from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.support import DAY, FRONT, environment, make_event, sha256, wait_for

# Three recordings of 4 MB at 1 MB/s per connection: the long request takes about 4 s.
BANDWIDTH = 1_000_000
EVENTS = [make_event(FRONT, DAY, f"{hour:02d}:00:00", size=4_000_000) for hour in (9, 12, 15)]
IDS = [str(event.id) for event in EVENTS]
QUIET_DAY = DAY - timedelta(days=2)  # no events at all
DEADLINE = 30.0


pytestmark = [pytest.mark.events(EVENTS), pytest.mark.storage_bandwidth(BANDWIDTH), pytest.mark.process]


@pytest.fixture
def server(settings: Settings, emulator: Emulator) -> Iterator[str]:
    with running_server(environment(settings)) as base:
        yield base


def test_the_server_answers_others_while_a_long_download_runs(
    server: str, emulator: Emulator, settings: Settings
) -> None:
    def mid_transfer() -> bool:
        return all(emulator.bytes_sent(i) > 0 and emulator.storage_downloads(i) == 0 for i in IDS)

    with ThreadPoolExecutor(1) as pool:
        long = pool.submit(requests.post, f"{server}/connector/download/{DAY:%Y%m%d}", timeout=60)
        wait_for(lambda: mid_transfer() or long.done(), "the three recordings to be streaming")
        assert not long.done(), long.result().text

        alive = requests.get(server + "/", timeout=DEADLINE)
        quiet = requests.post(f"{server}/connector/download/{QUIET_DAY:%Y%m%d}", timeout=DEADLINE)
        known = requests.post(f"{server}/connector/download/{DAY:%Y%m%d}", json=IDS, timeout=DEADLINE)
        listing = requests.get(f"{server}/connector/events?date={DAY:%Y%m%d}", timeout=DEADLINE)

        # Every quick answer came while the long request was still running, mid-transfer.
        assert not long.done()
        assert mid_transfer()
        response = long.result()

    assert alive.status_code == 200
    assert alive.json() == {"status": "ok", "service": "ringConnector"}
    assert quiet.status_code == 200 and quiet.json() == []
    assert quiet.headers["X-Download-Complete"] == "true"
    assert known.status_code == 200 and known.json() == []
    assert known.headers["X-Events-Skipped"] == str(len(IDS))
    assert listing.status_code == 200 and listing.json() == []  # nothing finished yet, and it says so

    assert response.status_code == 200
    assert sorted(body["ringId"] for body in response.json()) == sorted(IDS)
    for body in response.json():
        assert sha256(Path(body["videoFileName"])) == emulator.expected_sha256(body["ringId"])


def test_probes_answer_while_ten_long_downloads_hold_their_threads(
    server: str, emulator: Emulator, settings: Settings
) -> None:
    day = f"{server}/connector/download/{DAY:%Y%m%d}"
    with ThreadPoolExecutor(10) as pool:
        longs = [pool.submit(requests.post, day, timeout=60) for _ in range(10)]
        wait_for(lambda: all(emulator.bytes_sent(i) > 0 for i in IDS), "the recordings to be streaming")
        health = requests.get(server + "/healthz", timeout=DEADLINE)
        ready = requests.get(server + "/readyz", timeout=DEADLINE)
        assert not any(long.done() for long in longs)  # both answered while all ten were running
        answers = [long.result() for long in longs]
    assert health.status_code == 200 and ready.status_code == 200
    assert all(answer.status_code == 200 for answer in answers)
    # The ten calls shared one download of each recording.
    assert sorted(body["ringId"] for answer in answers for body in answer.json()) == sorted(IDS)


def test_a_body_larger_than_the_api_takes_is_refused_before_it_is_read(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(
            b"POST /connector/download/20261122 HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 200000000\r\n\r\n[" + b" " * 1000
        )
        answer = connection.recv(4096)  # 200 MB were announced; the answer comes without them
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_half_open_connections_do_not_block_new_callers(server: str) -> None:
    host, port = server.removeprefix("http://").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(110)]
    try:
        health = requests.get(server + "/healthz", timeout=10)
    finally:
        for connection in idle:
            connection.close()
    assert health.status_code == 200 and health.json() == {"status": "ok"}
