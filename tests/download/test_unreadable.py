"""History items Ring's format changes could produce: each costs only itself, by the Connector,
over HTTP and through startDownload.py (docs/ring-apis.md §3; the shapes: tests/fixtures/consumer)."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Scenario, bulk_scenario
from tests.support import DAY, FRONT, GARAGE, SmallDay, environment, make_event, run, small_day

# A time no parser of ours reads (Ring's formats have drifted before: HA core #106143).
BAD_TIME = make_event(FRONT, DAY, "08:30:00", created_at_text="22/11/2026 08:30:00 +14")
NO_ID = make_event(FRONT, DAY, "09:30:00", without_id=True)
# Kinds seen in the field that nobody asked for: ignored, even with a time nobody reads.
KNOCK = make_event(FRONT, DAY, "10:30:00", kind="door_activity")
ALARM = make_event(FRONT, DAY, "10:31:00", kind="alarm", created_at_text="not a time")
LINK = make_event(FRONT, DAY, "10:32:00", kind="on_demand_link")
KEY = make_event(GARAGE, DAY, "10:33:00", kind="key_access")
# A ding without video (`recording: null`), one without the key at all, one still processing.
NULL_RECORDING = make_event(FRONT, DAY, "11:00:00", recording_status=None)
NO_RECORDING_KEY = make_event(FRONT, DAY, "11:01:00", without_recording_key=True)
PROCESSING = make_event(FRONT, DAY, "11:02:00", recording_status="ready", ready_after_seconds=10**9)
# Outside the day (the day before): never reported for this day, readable or not.
BAD_TIME_BEFORE = make_event(FRONT, date(2026, 11, 21), "08:00:00", created_at_text="yesterday-ish")
DRIFTED = (
    BAD_TIME,
    NO_ID,
    KNOCK,
    ALARM,
    LINK,
    KEY,
    NULL_RECORDING,
    NO_RECORDING_KEY,
    PROCESSING,
    BAD_TIME_BEFORE,
)


def drifted_day() -> Scenario:
    """The small day, with the drifted items among its events."""
    scenario = small_day()
    scenario.events += list(DRIFTED)
    return scenario


pytestmark = pytest.mark.scenario.with_args(drifted_day)


def test_every_other_event_downloads_and_each_unreadable_item_fails_alone(connector: Connector) -> None:
    report = connector.download_day(DAY)
    assert {str(b["ringId"]) for b in report.downloaded} == SmallDay.expected_dings()
    unreadable = [(f.ring_id, f.unreadable) for f in report.failed]
    assert sorted(unreadable, key=str) == sorted([(str(BAD_TIME.id), True), (None, True)], key=str)
    assert "22/11/2026 08:30:00 +14" in next(f.reason for f in report.failed if f.ring_id)
    assert not report.complete
    skipped = dict(report.skipped)
    for not_ready in (NULL_RECORDING, NO_RECORDING_KEY, PROCESSING):
        assert skipped[str(not_ready.id)] == "recording not ready"
    for ignored in (KNOCK, ALARM, LINK, KEY, BAD_TIME_BEFORE):
        assert str(ignored.id) not in skipped


def test_over_http_it_is_a_200_with_the_failure_in_the_headers(client: FlaskClient) -> None:
    response = client.post("/connector/download/20261122")
    assert response.status_code == 200
    assert {str(b["ringId"]) for b in response.get_json()} == SmallDay.expected_dings()
    assert response.headers["X-Download-Complete"] == "false"
    assert response.headers["X-Items-Unreadable"] == "2"
    assert response.headers["X-Events-Failed-Ids"] == str(BAD_TIME.id)


@pytest.mark.process
def test_the_script_downloads_the_rest_and_exits_1(settings: Settings, emulator: Emulator) -> None:
    result = run("startDownload.py", "2026-11-22", env=environment(settings))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "20261122: 5 downloaded" in result.stdout
    for ring_id in SmallDay.expected_dings():
        assert ring_id in result.stdout
    assert str(BAD_TIME.id) in result.stdout


def paging_day() -> Scenario:
    """150 dings of the day on one doorbell: the first page's last item has no id."""
    return bulk_scenario(DAY, "Pacific/Kiritimati", events=150, size=1000)


@pytest.mark.scenario.with_args(paging_day)
def test_paging_goes_on_past_a_last_item_without_id(connector: Connector, emulator: Emulator) -> None:
    newest_first = sorted(emulator.state.history(300_000_001, 1000, None), key=lambda e: e.id, reverse=True)
    emulator.set_event(newest_first[99].id, without_id=True)
    report = connector.download_day(DAY)
    assert len(report.downloaded) == 149
    assert [(f.ring_id, f.unreadable) for f in report.failed] == [(None, True)]
    assert emulator.count("history") == 3  # 100 items, the 51 after the last id, then none
