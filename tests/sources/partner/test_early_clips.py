"""Ring still processing a fresh event's footage: an early 416 or 206 is waited out, within
WATCH_MAX_WAIT of the event's start, and the whole clip is what lands on disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Event, ManualClock, event_id
from tests.sources.partner.support import SharedSleep
from tests.support import FRONT, ZONE


def fresh_ding(emulator: Emulator, wall: ManualClock, *, ended_ago: float) -> Event:
    """A 10 s ding that ended `ended_ago` seconds before the wall clock."""
    start = datetime.fromtimestamp(wall(), UTC).replace(microsecond=0) - timedelta(seconds=10 + ended_ago)
    event = Event(event_id(start, 1), FRONT, start, duration=10.0)
    emulator.add_events([event])
    return event


def statuses(emulator: Emulator) -> list[int]:
    return [request["status"] for request in emulator.clip_requests()]


def test_an_early_416_then_206_is_waited_for_until_the_whole_clip_is_there(
    partner_emulator: Emulator, partner_connector: Connector, wall: ManualClock, shared_sleep: SharedSleep
) -> None:
    partner_emulator.set_media_processing(20.0)  # footage downloadable 20 s after it is recorded
    event = fresh_ding(partner_emulator, wall, ended_ago=1.0)
    report = partner_connector.download_day(event.created_at.astimezone(ZoneInfo(ZONE)).date())
    [body] = [b for b in report.downloaded if b["ringId"].endswith(str(event.id))]
    assert body["partial"] is False and body["clipLengthMs"] == 10_000
    seen = statuses(partner_emulator)
    assert seen[0] == 416 and 206 in seen and seen[-1] == 200  # nothing yet, part of it, all of it
    # Fetched soon after the footage was whole (start + 10 s + 20 s), each wait at most a quarter
    # of the event's age (at least RETRY_INITIAL_DELAY).
    fetched = wall() - event.created_at.timestamp()
    assert 30 <= fetched <= 30 + max(2.0, fetched / 4)
    assert all(wait <= max(2.0, 0.25 * 40) for wait in shared_sleep.waits)


def test_past_watch_max_wait_a_206_is_the_cameras_truth_and_kept(
    partner_emulator: Emulator, partner_connector: Connector, wall: ManualClock
) -> None:
    partner_emulator.set_media_processing(20.0)
    max_wait = partner_connector.settings.watch_max_wait
    # Ended long ago, but its last 5 s are still "processing" (a device that went offline, say).
    event = fresh_ding(partner_emulator, wall, ended_ago=15.0 - 10.0)
    wall.advance(max_wait)  # now older than WATCH_MAX_WAIT: a 206 is no longer waited out
    partner_emulator.set_media_processing(max_wait + 10.0)
    report = partner_connector.download_day(event.created_at.astimezone(ZoneInfo(ZONE)).date())
    [body] = [b for b in report.downloaded if b["ringId"].endswith(str(event.id))]
    assert body["partial"] is True and body["clipLengthMs"] == 5_000
    assert statuses(partner_emulator) == [206]
