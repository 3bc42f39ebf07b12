"""The watcher in-process: polling finds dings nobody announced, announcements cost nothing
extra, one watcher per DATA_DIR, and its state over HTTP."""

from __future__ import annotations

import errno
import json
import logging
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator
from ringConnector.storage.state_db import StateDatabaseError
from ringConnector.watch.watcher import FAST_RECHECK, Watcher, WatcherBusy
from ringConnector.web.app import create_app
from tests.support import BACK, DAY, FRONT, NOW, SmallDay, make_event


@pytest.fixture
def watcher(connector: Connector) -> Iterator[Watcher]:
    found = Watcher(connector)
    yield found
    found.stop()


def json_files(settings: Settings) -> list[str]:
    return sorted(p.name for p in settings.videos_dir.glob("*.json"))


def test_a_ding_nobody_announced_is_found_by_the_next_poll_and_downloaded_once(
    watcher: Watcher, emulator: Emulator, settings: Settings
) -> None:
    watcher.cycle()  # the day so far
    assert watcher.status()["found"] == {"poll": len(SmallDay.expected_dings()), "webhook": 0, "push": 0}
    before = json_files(settings)
    ding = make_event(FRONT, DAY, "12:59:00")
    emulator.add_events([ding])
    # The small day's recording Ring is still preparing is hours old: no early round for it.
    assert watcher.cycle() == settings.watch_poll_interval
    watcher.cycle()
    new = sorted(set(json_files(settings)) - set(before))
    assert len(new) == 1 and new[0].endswith(f"-{ding.id}.json")
    assert emulator.storage_downloads(str(ding.id)) == 1
    assert watcher.status()["found"]["poll"] == len(SmallDay.expected_dings()) + 1
    assert watcher.status()["polls"] == 3


def test_an_event_announced_three_times_is_fetched_once_and_counted_as_announced(
    watcher: Watcher, emulator: Emulator, settings: Settings
) -> None:
    watcher.cycle()
    ding = make_event(FRONT, DAY, "12:59:30")
    emulator.add_events([ding])
    for _ in range(3):
        watcher.announce(str(FRONT), how="webhook")
        watcher.cycle()
    assert emulator.storage_downloads(str(ding.id)) == 1
    assert [name for name in json_files(settings) if name.endswith(f"-{ding.id}.json")] != []
    assert watcher.status()["found"]["webhook"] == 1
    assert watcher.status()["lastAnnouncement"]["how"] == "webhook"


def test_a_second_watcher_on_the_same_data_dir_is_refused(connector: Connector, watcher: Watcher) -> None:
    watcher.acquire()
    with pytest.raises(WatcherBusy, match="another watcher is running"):
        Watcher(connector).acquire()
    watcher.stop()
    Watcher(connector).acquire()  # free again once the first stopped


def test_the_watch_endpoint_says_what_the_watcher_does(
    settings: Settings, connector: Connector, watcher: Watcher
) -> None:
    off = create_app(settings, connector=connector).test_client()
    assert off.get("/connector/watch").get_json() == {
        "running": False,
        "reason": "watch mode is off (WATCH=false)",
    }
    watcher.cycle()
    on: FlaskClient = create_app(settings, connector=connector, watcher=watcher).test_client()
    state = on.get("/connector/watch").get_json()
    assert (state["running"], state["polls"], state["push"]["state"], state["outbox"]) == (False, 1, "off", 0)
    assert state["found"]["poll"] == len(SmallDay.expected_dings())
    keyed = create_app(settings.replace(api_key="k"), connector=connector, watcher=watcher).test_client()
    assert keyed.get("/connector/watch").status_code == 401


def test_a_fresh_recording_ring_prepares_brings_the_next_round_in_a_quarter_of_its_age(
    watcher: Watcher, emulator: Emulator, settings: Settings
) -> None:
    """The round does not wait for it (new dings would wait too): it comes back in time."""
    fresh = make_event(FRONT, DAY, "12:59:00", recording_status="processing")  # NOW is 13:00
    emulator.add_events([fresh])
    assert watcher.cycle() == 15.0  # 60 s old: a quarter of that
    [pending] = [p for p in watcher.status()["pending"] if p["ringId"] == str(fresh.id)]
    assert pending.pop("since").startswith(NOW.isoformat()[:16])  # kept in the state database
    assert pending == {
        "ringId": str(fresh.id),
        "deviceId": str(FRONT),
        "day": DAY.strftime("%Y%m%d"),
        "state": "recording not ready",
    }
    emulator.set_event(fresh.id, recording_status="ready")
    assert watcher.cycle() == settings.watch_poll_interval
    assert str(fresh.id) not in {p["ringId"] for p in watcher.status()["pending"]}
    assert any(settings.videos_dir.glob(f"*-{fresh.id}.json"))


def test_a_round_woken_for_one_device_reads_only_its_history(
    connector: Connector, emulator: Emulator, settings: Settings
) -> None:
    now = [0.0]
    watcher = Watcher(connector, clock=lambda: now[0])
    watcher.cycle()  # a full round: every device
    emulator.reset_counters()
    watcher.cycle(frozenset({str(FRONT)}))  # the last full round is fresh: the announced one only
    assert emulator.count("history") == emulator.count("history", str(FRONT)) >= 1
    now[0] += settings.watch_poll_interval  # a poll interval later, every device again
    emulator.reset_counters()
    watcher.cycle(frozenset({str(FRONT)}))
    assert emulator.count("history") > emulator.count("history", str(FRONT))


def test_an_announced_device_outside_ring_devices_is_not_downloaded(
    settings: Settings, emulator: Emulator
) -> None:
    """RING_DEVICES is the selection: a webhook for another device does not widen it."""
    only_back = settings.replace(devices=("Back Door",))

    def devices_on_disk() -> set[str]:
        return {json.loads(p.read_text())["deviceId"] for p in only_back.videos_dir.glob("*.json")}

    with Connector(only_back, now=lambda: NOW) as connector:
        now = [0.0]
        watcher = Watcher(connector, clock=lambda: now[0])
        watcher.cycle()  # a full round: the selected device only
        assert devices_on_disk() == {str(BACK)}
        emulator.add_events([make_event(FRONT, DAY, "12:59:00")])
        emulator.reset_counters()
        watcher.cycle(frozenset({str(FRONT)}))  # announced, but not selected
        assert emulator.count("history") == 0
        assert devices_on_disk() == {str(BACK)}


def test_a_webhook_before_history_lists_its_event_brings_early_rounds_for_that_device_only(
    connector: Connector, emulator: Emulator, settings: Settings
) -> None:
    """A webhook names a device and a moment; the round comes back for that device until the
    history event starting then is on disk, and only that event counts as found by webhook."""
    now = [0.0]
    watcher = Watcher(connector, clock=lambda: now[0])
    watcher.cycle()
    ding = make_event(FRONT, DAY, "12:59:55", seq=1)  # NOW is 13:00
    watcher.announce(str(FRONT), how="webhook", at=ding.created_at + timedelta(seconds=2))
    emulator.reset_counters()
    delay = watcher.cycle(frozenset({str(FRONT)}))  # Ring does not list it yet
    assert delay == FAST_RECHECK and emulator.count("history") == emulator.count("history", str(FRONT))
    unannounced = make_event(FRONT, DAY, "12:50:00", seq=2)
    emulator.add_events([ding, unannounced])
    before = watcher.status()["found"]
    now[0] += delay
    emulator.reset_counters()
    assert watcher.cycle(frozenset({str(FRONT)})) == settings.watch_poll_interval  # settled
    assert emulator.count("history") == emulator.count("history", str(FRONT)) >= 1
    found = watcher.status()["found"]
    assert (found["webhook"] - before["webhook"], found["poll"] - before["poll"]) == (1, 1)


OFF = {"push": "off", "pushSince": None, "lastMessage": None}


def test_readiness_says_push_is_off_and_polling_goes_on_while_the_watcher_runs(settings: Settings) -> None:
    no_push = settings.replace(push=False)
    with Connector(no_push, now=lambda: NOW) as connector:
        watcher = Watcher(connector)
        client = create_app(no_push, connector=connector, watcher=watcher).test_client()
        stopped = client.get("/readyz")  # WATCH=true, but the watcher is not running: nothing downloads
        assert stopped.status_code == 503
        assert stopped.get_json()["watch"] == OFF | {"running": False, "state": "stopped"}
        assert stopped.get_json()["reason"].endswith("but the watcher is not running (WATCH=true)")
        watcher.start()
        try:
            running = client.get("/readyz")
            assert running.status_code == 200
            assert running.get_json()["watch"] == OFF | {"running": True, "state": "watching"}
            assert (
                "push is off: RING_PUSH=false: new events are found by polling every 60 s"
                in (running.get_json()["reason"])
            )
        finally:
            watcher.stop()
        without = create_app(no_push, connector=connector).test_client().get("/readyz").get_json()
        assert "watch" not in without and "push" not in without["reason"]


def test_the_watch_state_answers_on_the_partner_api_too(connector: Connector, settings: Settings) -> None:
    """GET /connector/watch on the Partner API once hung for good: its push state took the
    status lock the status already held."""
    partner = Watcher(connector)
    partner.settings = settings.replace(source="partner")
    answers: list[dict[str, Any]] = []
    asking = threading.Thread(target=lambda: answers.append(partner.status()), daemon=True)
    asking.start()
    asking.join(timeout=5)  # a daemon: if it hangs, the test fails without hanging the suite
    assert answers and answers[0]["push"] == {"state": "webhooks", "lastMessage": None}


def test_an_announcement_answered_before_a_restart_is_looked_for_after_it(
    connector: Connector, emulator: Emulator, settings: Settings
) -> None:
    """A webhook answered 204 is kept in the state database: a watcher started after a crash
    takes it up, looks for its event and forgets it once the event is on disk."""
    ding = make_event(FRONT, DAY, "12:59:30", recording_status="processing")
    emulator.add_events([ding])
    before = Watcher(connector)  # told, then killed before any round
    assert before.announce(str(FRONT), how="webhook", at=ding.created_at, request_id="r-1") is True
    assert before.announce(str(FRONT), how="webhook", at=ding.created_at, request_id="r-1") is False
    after = Watcher(connector)
    assert after.cycle() == FAST_RECHECK  # not ready yet: looked for soon, as when it was announced
    assert [(a["how"], a["deviceId"]) for a in after.status()["awaiting"]] == [("webhook", str(FRONT))]
    emulator.set_event(ding.id, recording_status="ready")
    after.cycle()
    assert after.status()["found"]["webhook"] == 1 and after.status()["awaiting"] == []
    assert connector.state.announcements() == []  # settled: a later start does not look again


def test_a_failed_round_is_retried_with_backoff_and_each_failure_logged_once(
    connector: Connector, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "ringConnector.watch.watcher")
    watcher = Watcher(connector)
    locked = StateDatabaseError(errno.EIO, "ringconnector.sqlite3: database is locked")
    delays = [watcher._round_failed(locked) for _ in range(8)]
    assert delays == [1, 2, 4, 8, 16, 32, 60, 60]  # up to the poll interval
    bug = KeyError("deviceId")
    watcher._round_failed(bug)
    watcher._round_failed(bug)
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage().split(";")[0] for r in errors] == [
        "watch round failed (database): ringconnector.sqlite3: database is locked",
        "watch round failed (bug): KeyError: 'deviceId'",
    ]
    assert errors[0].exc_info is None and errors[1].exc_info is not None  # a bug's traceback, once
    status = watcher.status()
    assert (status["failedRounds"], status["lastError"]) == (10, "KeyError: 'deviceId'")
    watcher._round_succeeded()
    assert (watcher.status()["failedRounds"], watcher.status()["retryingSince"]) == (0, None)
    assert caplog.records[-1].getMessage().startswith("watching again: a round succeeded after 10 failed")
