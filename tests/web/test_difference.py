"""The article's POST, as its pipeline makes it (ringface-bff's downloader-service.ts: the body is
the ring ids its database holds for the day): the answer is every event of the day it does not
hold, from disk or fetched now, so a caller that lost an answer gets those events again; GET (and
a POST without a body) answers what the call downloaded. Through waitress, over a socket."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from flask import Flask

from ringConnector.emulator import Emulator
from tests.support import SmallDay, served

DAY_URL = "/connector/download/20261122"
ORDERED = [str(e.id) for e in sorted(SmallDay.events(), key=lambda e: e.created_at)]
DINGS = [ring_id for ring_id in ORDERED if ring_id in SmallDay.expected_dings()]  # oldest first


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    with served(app) as base:
        yield base


def post(server: str, body: list[str] | None) -> requests.Response:
    response = requests.post(server + DAY_URL, json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response


def ids(response: requests.Response) -> list[str]:
    return [str(event["ringId"]) for event in response.json()]


def counts(response: requests.Response) -> tuple[int, int]:
    """(fetched from Ring now, served from disk), as the headers say."""
    return int(response.headers["X-Events-Downloaded"]), int(response.headers["X-Events-From-Disk"])


def test_a_caller_that_says_it_has_nothing_gets_every_event_of_the_day_again_from_disk(
    server: str, emulator: Emulator
) -> None:
    first = post(server, [])
    assert ids(first) == DINGS and counts(first) == (len(DINGS), 0)
    fetched = emulator.count("storage")
    # Its database lost them (an insert failed, a restore, an answer that timed out): it asks again.
    again = post(server, [])
    assert again.json() == first.json()  # the same JSON, oldest first, each once
    assert counts(again) == (0, len(DINGS))
    assert emulator.count("storage") == fetched  # served from disk, never fetched again


def test_a_caller_that_sends_its_full_list_gets_nothing(server: str, emulator: Emulator) -> None:
    held = ids(post(server, []))
    fetched = emulator.count("storage")
    answer = post(server, held)
    assert answer.json() == [] and counts(answer) == (0, 0)
    assert emulator.count("storage") == fetched


def test_the_answer_mixes_what_is_on_disk_and_what_is_fetched_now_oldest_first(
    server: str, emulator: Emulator
) -> None:
    newest = DINGS[-1]
    # The caller says it has the newest: everything else is downloaded, the newest is not.
    assert ids(post(server, [newest])) == DINGS[:-1]
    assert emulator.count("share_play", newest) == 0
    # Now it says it has only the first: the newest is fetched now, the rest come from disk.
    answer = post(server, [DINGS[0]])
    assert ids(answer) == DINGS[1:] and counts(answer) == (1, len(DINGS) - 2)


def test_without_a_list_the_answer_is_what_the_call_downloaded(server: str) -> None:
    assert ids(post(server, None)) == DINGS  # no body: nothing is said of what the caller has
    assert post(server, None).json() == []
    assert requests.get(server + DAY_URL, timeout=60).json() == []  # GET, for cron, likewise
    assert ids(post(server, [])) == DINGS  # the list, even empty, asks for the difference
