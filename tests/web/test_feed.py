"""GET /connector/events?after=<seq>: the change feed a pipeline reads with the last number it
processed, never missing an event and never needing a list of what it has. Through waitress."""

from __future__ import annotations

import requests
from flask import Flask

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.web.app import create_app
from tests.support import DAY, Clock, FakeSleep, SmallDay, served, small_day
from tests.web.test_difference import DINGS


def app_of(settings: Settings, connector: Connector) -> Flask:
    return create_app(settings, connector=connector)


def feed(base: str, after: int, limit: int | None = None) -> dict[str, object]:
    query = {"after": after} | ({"limit": limit} if limit is not None else {})
    response = requests.get(base + "/connector/events", params=query, timeout=10)
    assert response.status_code == 200, response.text
    page: dict[str, object] = response.json()
    return page


def read_all(base: str, after: int = 0, limit: int = 2) -> tuple[list[dict[str, object]], int]:
    """Every event after `after`, a page at a time, as a pipeline reads; and the last cursor."""
    events: list[dict[str, object]] = []
    while True:
        page = feed(base, after, limit)
        events += page["events"]  # type: ignore[arg-type]
        after = page["next"]  # type: ignore[assignment]
        if not page["more"]:
            return events, after


def test_the_feed_read_from_zero_after_a_restart_lists_every_event_once_in_write_order(
    settings: Settings, sleep: FakeSleep, clock: Clock
) -> None:
    with (
        Connector(settings, sleep=sleep, now=clock) as connector,
        served(app_of(settings, connector)) as base,
    ):
        downloaded = connector.download_day(DAY).downloaded
        events, cursor = read_all(base)
        # In the order their JSON was written (downloads run side by side: not their event order).
        by_number = sorted(downloaded, key=lambda body: int(body["seq"]))
        assert [e["ringId"] for e in events] == [b["ringId"] for b in by_number]
    # A restart (a new process on the same DATA_DIR): the same events, the same numbers.
    with (
        Connector(settings, sleep=sleep, now=clock) as connector,
        served(app_of(settings, connector)) as base,
    ):
        again, last = read_all(base)
        assert again == events and last == cursor
        assert sorted(str(e["ringId"]) for e in again) == sorted(SmallDay.expected_dings())
        seqs = [e["seq"] for e in again]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)  # type: ignore[type-var]
        assert feed(base, cursor) == {"events": [], "next": cursor, "more": False}
        # A pipeline that stored its cursor gets only what is written later.
        later = small_day().events[0]  # the event before the day: downloaded under its own day
        connector.download_day(DAY.replace(day=DAY.day - 1))
        newer, _ = read_all(base, after=cursor)
        assert [e["ringId"] for e in newer] == [str(later.id)]


def test_a_day_and_a_cursor_together_or_a_limit_out_of_range_is_a_json_400(
    settings: Settings, connector: Connector
) -> None:
    with served(create_app(settings, connector=connector)) as base:
        for query in (
            "date=20261122&after=0",
            "after=0&limit=0",
            "after=0&limit=1001",
            "after=-1",
            "after=x",
        ):
            response = requests.get(f"{base}/connector/events?{query}", timeout=10)
            assert response.status_code == 400, query
            assert set(response.json()) == {"error", "message"}
        both = requests.get(f"{base}/connector/events?date=20261122&after=0", timeout=10)
        assert "not both" in both.json()["message"]


def test_the_day_list_carries_the_numbers_too(settings: Settings, connector: Connector) -> None:
    connector.download_day(DAY)
    with served(create_app(settings, connector=connector)) as base:
        day = requests.get(f"{base}/connector/events?date=20261122", timeout=10).json()
        assert [e["ringId"] for e in day] == DINGS and all(isinstance(e["seq"], int) for e in day)
