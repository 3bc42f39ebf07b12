"""Ring's sessions as Ring keeps them: one per hardware id across runs and refreshes, renewed on
Ring's 404 naming the hardware id and every 12 h, and a 406 told plainly (docs/ring-apis.md §3)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator
from ringConnector.errors import SessionRefused
from ringConnector.sources.consumer.source import SESSION_RENEW_AFTER
from tests.support import DAY, FRONT, Clock, FakeSleep, SmallDay, environment, make_event, run

REFUSED = "Ring is refusing new sessions from this address (HTTP 406); try again in about a day"


def ids(events: list[dict[str, object]]) -> set[str]:
    return {str(e["ringId"]) for e in events}


def test_a_server_whose_session_ring_forgot_keeps_downloading(
    client: FlaskClient, emulator: Emulator
) -> None:
    first = client.post("/connector/download/20261122")
    assert first.status_code == 200 and first.headers["X-Download-Complete"] == "true"
    assert emulator.count("session") == 1
    emulator.state.sessions.forget_all()  # as Ring does after about a day
    late = make_event(FRONT, DAY, "20:00:00")
    emulator.add_events([late])
    emulator.reset_counters()
    again = client.post("/connector/download/20261122")
    assert again.status_code == 200 and again.headers["X-Download-Complete"] == "true"
    assert ids(again.get_json()) == {str(late.id)}
    assert emulator.count("session") == 1  # one new session for every call that met the 404


def test_concurrent_calls_that_meet_the_404_share_one_new_session(
    connector: Connector, emulator: Emulator
) -> None:
    connector.devices()
    emulator.state.sessions.forget_all()
    emulator.reset_counters()
    report = connector.download_day(DAY)
    assert {e["ringId"] for e in report.downloaded} == SmallDay.expected_dings()
    assert emulator.count("session") == 1


def test_the_session_is_renewed_every_12_hours(
    connector: Connector, emulator: Emulator, clock: Clock
) -> None:
    connector.download_day(DAY)
    emulator.reset_counters()
    clock.now += timedelta(seconds=SESSION_RENEW_AFTER - 60)
    connector.download_day(DAY)
    assert emulator.count("session") == 0
    clock.now += timedelta(seconds=120)
    connector.download_day(DAY)
    assert emulator.count("session") == 1


def test_a_new_connector_reuses_the_session_after_a_refresh(
    settings: Settings, emulator: Emulator, sleep: FakeSleep
) -> None:
    with Connector(settings, sleep=sleep) as first:
        first.download_day(DAY)
    for _ in range(3):
        emulator.expire_access_tokens()  # every run refreshes
        with Connector(settings, sleep=sleep) as later:
            later.devices()
    assert emulator.count("session") == 1
    assert emulator.state.sessions.created == 1


def test_a_406_is_told_plainly_and_asked_once(
    settings: Settings, emulator: Emulator, sleep: FakeSleep
) -> None:
    emulator.state.sessions.configure(limit=0)
    with Connector(settings, sleep=sleep) as connector:
        with pytest.raises(SessionRefused, match=r"refusing new sessions from this address \(HTTP 406\)"):
            connector.download_day(DAY)
        with pytest.raises(SessionRefused):
            connector.download_day(DAY)
    with Connector(settings, sleep=sleep) as next_run, pytest.raises(SessionRefused, match="within the hour"):
        next_run.devices()
    assert emulator.count("session") == 1
    assert sleep.waits == []  # not a transient failure: no retries


def test_a_406_over_http_is_a_json_503(client: FlaskClient, emulator: Emulator) -> None:
    emulator.state.sessions.configure(limit=0)
    response = client.post("/connector/download/20261122")
    assert response.status_code == 503
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": "ring_session_refused", "message": REFUSED}
    assert emulator.count("session") == 1


@pytest.mark.process
def test_eight_cron_runs_that_each_refresh_create_at_most_two_sessions(
    settings: Settings, emulator: Emulator
) -> None:
    env = environment(settings)
    for _ in range(8):
        emulator.expire_access_tokens()  # each run meets a 401 and refreshes
        result = run("startDownload.py", "2026-11-22", "--json", env=env)
        assert result.returncode == 0, result.stderr
    assert emulator.count("token") >= 8  # every run did refresh
    assert emulator.count("session") <= 2
    assert emulator.state.sessions.created <= 2


@pytest.mark.process
def test_the_script_tells_a_406_in_one_line(settings: Settings, emulator: Emulator) -> None:
    emulator.state.sessions.configure(limit=0)
    result = run("startDownload.py", "2026-11-22", env=environment(settings))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == f"error: {REFUSED}"
    assert "Traceback" not in result.stderr
    assert emulator.count("session") == 1
    cache = settings.oauth_file.with_name(settings.oauth_file.name + ".session.json")
    assert "refused_at" in json.loads(cache.read_text())
