"""Downloading a day from the emulator over real HTTP: what is fetched, how, and what is left."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Device, Emulator, Event, Fault, Scenario, event_id
from ringConnector.errors import AuthorizationRequired, RingUnavailable
from ringConnector.model.events import ARTICLE_FIELDS
from ringConnector.storage.tokens import TokenFile
from tests.support import ACCOUNT, BACK, DAY, FRONT, ZONE, FakeSleep, SmallDay, leftovers, make_event, sha256


def ids(bodies: list[dict[str, object]]) -> set[str]:
    return {str(body["ringId"]) for body in bodies}


def test_downloads_the_ready_dings_of_the_local_day(connector: Connector, settings: Settings) -> None:
    report = connector.download_day(DAY)
    assert ids(report.downloaded) == SmallDay.expected_dings()
    assert report.complete
    assert (str(SmallDay.processing.id), "recording not ready") in report.skipped
    files = sorted(p.name for p in settings.videos_dir.iterdir() if not p.name.startswith("."))
    # The video, its still and its event JSON: no push, no uuid, so the still is the video's frame.
    assert len(files) == 3 * len(SmallDay.expected_dings())
    assert {body["snapshotSource"] for body in report.downloaded} == {"video_frame"}
    assert leftovers(settings.videos_dir) == []


def test_event_json_keeps_the_article_fields(connector: Connector) -> None:
    report = connector.download_day(DAY)
    by_id = {body["ringId"]: body for body in report.downloaded}
    first = by_id[str(SmallDay.first.id)]
    assert tuple(first)[: len(ARTICLE_FIELDS)] == ARTICLE_FIELDS
    assert first["date"] == "20261122"
    assert first["eventName"] == "20261122-000005"  # local time, not UTC (10:00:05 the day before)
    assert first["createdAt"] == "2026-11-21T10:00:05.000000Z"
    assert first["kind"] == "ding"
    assert first["status"] == "UNPROCESSED"
    assert first["answered"] is False
    assert first["duration"] == 30.0
    assert by_id[str(SmallDay.answered.id)]["answered"] is True
    assert by_id[str(SmallDay.shared_no_duration.id)]["duration"] is None
    video = Path(str(first["videoFileName"]))
    assert video.name == f"20261122-000005-{SmallDay.first.id}.mp4"
    on_disk = json.loads(video.with_suffix(".json").read_text())
    assert on_disk == first


def test_the_bytes_on_disk_equal_what_the_emulator_served(connector: Connector, emulator: Emulator) -> None:
    report = connector.download_day(DAY)
    for body in report.downloaded:
        path = Path(str(body["videoFileName"]))
        assert sha256(path) == emulator.expected_sha256(str(body["ringId"]))
        assert path.read_bytes()[4:8] == b"ftyp"  # a real MP4 from the emulator's clip


def test_two_events_in_the_same_second_do_not_collide(connector: Connector) -> None:
    report = connector.download_day(DAY)
    by_id = {body["ringId"]: body for body in report.downloaded}
    one, other = by_id[str(SmallDay.shared_no_duration.id)], by_id[str(SmallDay.same_second.id)]
    assert one["eventName"] == other["eventName"] == "20261122-123000"
    assert one["videoFileName"] != other["videoFileName"]
    assert Path(str(one["videoFileName"])).exists() and Path(str(other["videoFileName"])).exists()


def test_a_repeat_call_downloads_nothing_and_fetches_no_recording(
    connector: Connector, emulator: Emulator
) -> None:
    connector.download_day(DAY)
    emulator.reset_counters()
    again = connector.download_day(DAY)
    assert again.downloaded == []
    assert {
        ring_id for ring_id, why in again.skipped if why == "already downloaded"
    } == SmallDay.expected_dings()
    assert emulator.count("storage") == 0
    assert emulator.count("share_play") == 0


def test_the_callers_skip_list_is_not_downloaded(connector: Connector, emulator: Emulator) -> None:
    skipped = str(SmallDay.answered.id)
    report = connector.download_day(DAY, skip=[skipped])
    assert ids(report.downloaded) == SmallDay.expected_dings() - {skipped}
    assert emulator.count("share_play", skipped) == 0
    assert (skipped, "the caller has it") in report.skipped


def test_a_not_ready_recording_is_downloaded_once_ready(connector: Connector, emulator: Emulator) -> None:
    connector.download_day(DAY)
    emulator.set_event(SmallDay.processing.id, recording_status="ready")
    report = connector.download_day(DAY)
    assert ids(report.downloaded) == {str(SmallDay.processing.id)}


def test_a_recording_ring_is_still_preparing_is_retried_then_downloaded(
    connector: Connector, emulator: Emulator, sleep: FakeSleep
) -> None:
    fresh = str(SmallDay.last.id)
    emulator.set_event(fresh, prepare_after_hits=3)
    report = connector.download_day(DAY)
    assert fresh in ids(report.downloaded)
    assert emulator.count("storage", fresh) == 4  # three 404s, then the recording
    assert len(sleep.waits) == 3
    assert sleep.waits[0] < sleep.waits[2]  # the backoff grows
    assert sum(sleep.waits) <= 100


def test_a_recording_that_never_comes_is_failed_not_reported_and_retried_next_call(
    connector: Connector, emulator: Emulator, sleep: FakeSleep, settings: Settings
) -> None:
    stuck = str(SmallDay.first.id)
    emulator.set_event(stuck, prepare_after_hits=10_000)
    report = connector.download_day(DAY)
    assert stuck not in ids(report.downloaded)
    assert [f.ring_id for f in report.failed] == [stuck]
    assert not report.complete
    assert sum(sleep.waits) <= settings.retry_max_wait  # the wait per event is bounded
    assert not list(settings.videos_dir.glob(f"*{stuck}*"))
    assert leftovers(settings.videos_dir) == []

    emulator.set_event(stuck, prepare_after_hits=0)
    again = connector.download_day(DAY)
    assert ids(again.downloaded) == {stuck}
    assert again.complete


def test_retry_after_is_honoured(connector: Connector, emulator: Emulator, sleep: FakeSleep) -> None:
    target = str(SmallDay.answered.id)
    emulator.add_fault(Fault("storage", "status", status=429, retry_after=17, key=target))
    report = connector.download_day(DAY)
    assert target in ids(report.downloaded)
    assert sleep.waits and sleep.waits[0] >= 17


@pytest.mark.parametrize(
    "fault",
    [
        Fault("storage", "status", status=503, times=2),
        Fault("storage", "drop", times=2),
        Fault("storage", "short", times=2),
        Fault("share_play", "status", status=500),
        Fault("history", "status", status=502),
        Fault("devices", "drop"),
        Fault("session", "status", status=503),
    ],
    ids=lambda f: f"{f.route}-{f.kind}-{f.status}",
)
def test_transient_faults_are_retried_and_files_stay_intact(
    connector: Connector, emulator: Emulator, settings: Settings, fault: Fault
) -> None:
    emulator.add_fault(fault)
    report = connector.download_day(DAY)
    assert ids(report.downloaded) == SmallDay.expected_dings()
    for body in report.downloaded:
        assert sha256(Path(str(body["videoFileName"]))) == emulator.expected_sha256(str(body["ringId"]))
    assert leftovers(settings.videos_dir) == []


def test_a_401_mid_run_refreshes_persists_and_retries(
    connector: Connector, emulator: Emulator, settings: Settings
) -> None:
    connector.download_day(DAY)  # session and devices established
    before = TokenFile(settings.oauth_file).load()
    emulator.expire_access_tokens()
    emulator.set_event(SmallDay.processing.id, recording_status="ready")
    tokens_before = emulator.count("token")
    report = connector.download_day(DAY)
    assert ids(report.downloaded) == {str(SmallDay.processing.id)}
    assert emulator.count("token") == tokens_before + 1  # one refresh, not one per request
    after = TokenFile(settings.oauth_file).load()
    assert after["refresh_token"] != before["refresh_token"]  # the rotated token was persisted
    assert stat.S_IMODE(settings.oauth_file.stat().st_mode) == 0o600


def test_a_401_in_the_middle_of_the_downloads_is_refreshed_and_retried(
    connector: Connector, emulator: Emulator
) -> None:
    target = str(SmallDay.same_second.id)
    emulator.add_fault(Fault("share_play", "status", status=401, key=target))
    report = connector.download_day(DAY)
    assert ids(report.downloaded) == SmallDay.expected_dings()
    assert emulator.count("share_play", target) == 2  # the 401, then the retry after the refresh
    assert emulator.count("token") == 1


def test_concurrent_calls_fetch_each_recording_once(settings: Settings, emulator: Emulator) -> None:
    with Connector(settings) as connector, ThreadPoolExecutor(4) as pool:
        reports = list(pool.map(lambda _: connector.download_day(DAY), range(4)))
    downloaded = [body["ringId"] for report in reports for body in report.downloaded]
    assert sorted(downloaded) == sorted(SmallDay.expected_dings())  # each reported by one call
    for ring_id in SmallDay.expected_dings():
        assert emulator.storage_downloads(ring_id) == 1


def test_a_rejected_refresh_token_asks_for_a_new_sign_in(connector: Connector, emulator: Emulator) -> None:
    connector.download_day(DAY)
    emulator.revoke_refresh_tokens()
    emulator.set_event(SmallDay.processing.id, recording_status="ready")
    with pytest.raises(AuthorizationRequired, match=r"startCreateAuthFile\.py"):
        connector.download_day(DAY)


def test_no_token_file_asks_for_a_sign_in(settings: Settings, sleep: FakeSleep) -> None:
    settings.oauth_file.unlink()
    with Connector(settings, sleep=sleep) as connector, pytest.raises(AuthorizationRequired):
        connector.download_day(DAY)


def test_one_hardware_id_per_installation(
    connector: Connector, emulator: Emulator, settings: Settings
) -> None:
    connector.download_day(DAY)
    emulator.expire_access_tokens()
    connector.download_day(DAY)
    assert emulator.hardware_ids == {TokenFile(settings.oauth_file).hardware_id()}


def test_stick_up_cams_and_other_kinds_are_selectable(settings: Settings, sleep: FakeSleep) -> None:
    wider = settings.replace(
        device_types=("doorbots", "authorized_doorbots", "stickup_cams"), event_kinds=("ding", "motion")
    )
    with Connector(wider, sleep=sleep) as connector:
        report = connector.download_day(DAY)
    assert ids(report.downloaded) == SmallDay.expected_dings() | {
        str(SmallDay.motion.id),
        str(SmallDay.garage_motion.id),
    }


def test_only_doorbots_when_so_configured(settings: Settings, sleep: FakeSleep) -> None:
    with Connector(settings.replace(device_types=("doorbots",)), sleep=sleep) as connector:
        report = connector.download_day(DAY)
    assert str(SmallDay.shared_no_duration.id) not in ids(report.downloaded)


def test_ring_unreachable_is_a_clear_error(settings: Settings, sleep: FakeSleep, emulator: Emulator) -> None:
    emulator.stop()
    with (
        Connector(settings.replace(retry_max_wait=5), sleep=sleep) as connector,
        pytest.raises(RingUnavailable),
    ):
        connector.download_day(DAY)


class TestManyEvents:
    """More than Ring's 100-event page, with a busy day before it."""

    @pytest.fixture
    def scenario(self) -> Scenario:
        events = [
            make_event(FRONT, DAY, f"{h:02d}:{m:02d}:00", size=50_000)
            for h in range(1, 24)
            for m in range(0, 60, 5)
        ][:250]
        earlier = [
            make_event(FRONT, DAY - timedelta(days=1), f"{h:02d}:00:00", size=50_000) for h in range(24)
        ]
        much_earlier = [
            make_event(FRONT, DAY - timedelta(days=d), "12:00:00", size=50_000) for d in range(2, 300)
        ]
        front = Device(FRONT, "Front Door", "lpd_v2", "doorbots", time_zone=ZONE)
        return Scenario(account=ACCOUNT, devices=[front], events=events + earlier + much_earlier)

    def test_every_event_of_the_day_is_downloaded_and_paging_stops_at_the_day(
        self, connector: Connector, emulator: Emulator
    ) -> None:
        report = connector.download_day(DAY)
        assert len(report.downloaded) == 250
        # 250 events of the day and the day before's first page: 3 pages, not the 6 of everything.
        assert emulator.count("history") == 3
        assert len({body["videoFileName"] for body in report.downloaded}) == 250


@pytest.mark.parametrize(
    "fault",
    [
        Fault("token", "status", status=500),
        Fault("token", "status", status=429, retry_after=5),
        Fault("token", "drop"),
    ],
    ids=lambda f: f"{f.kind}-{f.status}",
)
def test_a_ring_problem_during_a_refresh_is_retried_not_a_sign_in(
    connector: Connector, emulator: Emulator, fault: Fault
) -> None:
    connector.download_day(DAY)
    emulator.expire_access_tokens()
    emulator.add_fault(fault)
    emulator.set_event(SmallDay.processing.id, recording_status="ready")
    report = connector.download_day(DAY)
    assert ids(report.downloaded) == {str(SmallDay.processing.id)}
    assert emulator.count("token") == 2  # the faulted refresh, then the one that worked


def test_two_processes_sharing_the_token_refresh_it_once(
    settings: Settings, emulator: Emulator, sleep: FakeSleep
) -> None:
    # Two Connectors share nothing but the token file, as a script beside the server does.
    with Connector(settings, sleep=sleep) as one, Connector(settings, sleep=sleep) as other:
        one.download_day(DAY)
        other.download_day(DAY)
        emulator.expire_access_tokens()
        emulator.set_event(SmallDay.processing.id, recording_status="ready")
        with ThreadPoolExecutor(2) as pool:
            reports = list(pool.map(lambda c: c.download_day(DAY), (one, other)))
    assert emulator.count("token") == 1  # the second adopted the token the first saved
    assert all(report.fatal is None for report in reports)
    assert sum(len(report.downloaded) for report in reports) == 1


def test_a_failed_download_joined_by_another_call_is_failed_for_both(
    settings: Settings, emulator: Emulator, sleep: FakeSleep
) -> None:
    stuck = str(SmallDay.first.id)
    emulator.set_event(stuck, prepare_after_hits=10_000)
    with Connector(settings, sleep=sleep) as connector, ThreadPoolExecutor(2) as pool:
        reports = list(pool.map(lambda _: connector.download_day(DAY), range(2)))
    for report in reports:
        assert not report.complete
        assert [f.ring_id for f in report.failed] == [stuck]


class TestABusyDayAfter:
    """150 newer events on the next day must be paged past before the day itself."""

    @pytest.fixture
    def scenario(self) -> Scenario:
        later = [
            make_event(FRONT, DAY + timedelta(days=1), f"{h:02d}:{m:02d}:00", size=45_000)
            for h in range(13) for m in range(0, 60, 5)
        ][:150]  # fmt: skip
        day = [make_event(FRONT, DAY, f"{h:02d}:30:00", size=45_000) for h in range(0, 24, 2)]
        front = Device(FRONT, "Front Door", "lpd_v2", "doorbots", time_zone=ZONE)
        return Scenario(account=ACCOUNT, devices=[front], events=later + day)

    def test_paging_walks_past_newer_events(self, connector: Connector, emulator: Emulator) -> None:
        report = connector.download_day(DAY)
        assert len(report.downloaded) == 12
        # 100 newer events, then 50 newer + the day's 12, then an empty page that ends history.
        assert emulator.count("history") == 3
        assert emulator.count("share_play") == 12  # nothing of the other day was fetched


class TestADaylightSavingDay:
    """25 hours in Berlin on 2026-10-25: both 02:30s belong to it, the next 00:10 does not."""

    @pytest.fixture
    def scenario(self) -> Scenario:
        berlin = ZoneInfo("Europe/Berlin")
        moments = [
            datetime(2026, 10, 24, 21, 59, tzinfo=UTC),  # 23:59 CEST on the 24th: the day before
            datetime(2026, 10, 24, 22, 30, tzinfo=UTC),  # 00:30 CEST
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # 02:30 CEST
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # 02:30 CET, an hour later
            datetime(2026, 10, 25, 22, 59, tzinfo=UTC),  # 23:59 CET
            datetime(2026, 10, 25, 23, 10, tzinfo=UTC),  # 00:10 CET on the 26th
        ]
        assert moments[2].astimezone(berlin).hour == moments[3].astimezone(berlin).hour == 2
        events = [Event(id=event_id(m), device_id=FRONT, created_at=m) for m in moments]
        front = Device(FRONT, "Front Door", "lpd_v2", "doorbots", time_zone="Europe/Berlin")
        return Scenario(account=ACCOUNT, devices=[front], events=events)

    def test_the_long_day_has_both_half_past_twos(self, settings: Settings, sleep: FakeSleep) -> None:
        with Connector(settings.replace(time_zone="Europe/Berlin"), sleep=sleep) as connector:
            report = connector.download_day(date(2026, 10, 25))
        names = sorted(str(body["eventName"]) for body in report.downloaded)
        assert names == ["20261025-003000", "20261025-023000", "20261025-023000", "20261025-235900"]
        assert len({body["videoFileName"] for body in report.downloaded}) == 4


def test_a_recording_still_being_prepared_does_not_hold_up_the_others(
    settings: Settings, emulator: Emulator, sleep: FakeSleep, caplog: pytest.LogCaptureFixture
) -> None:
    fresh = str(SmallDay.first.id)  # the oldest event: first in line for the only slot
    others = SmallDay.expected_dings() - {fresh}
    emulator.set_event(fresh, prepare_after_hits=2)
    caplog.set_level(logging.INFO, logger="ringConnector.download.save")

    waits: list[bool] = []  # for each retry wait: were the others all downloaded by its end?

    async def until_the_others_are_done(delay: float) -> None:
        # A retry wait that lasts until the others are downloaded (a condition, not a time):
        # with a wait of one loop tick the retry could win the slot back first, by chance. If
        # the waiting recording held the only slot, the others could not go ahead and the wait
        # would give up after 10 s.
        await sleep(delay)
        give_up = time.monotonic() + 10
        while time.monotonic() < give_up:
            if all(emulator.storage_downloads(ring_id) for ring_id in others):
                waits.append(True)
                return
            await asyncio.sleep(0.005)
        waits.append(False)

    with Connector(settings.replace(download_concurrency=1), sleep=until_the_others_are_done) as connector:
        report = connector.download_day(DAY)
    assert ids(report.downloaded) == SmallDay.expected_dings()
    # The others went ahead while it waited. (The order of the "downloaded event" lines says
    # nothing: a recording is saved and logged after its slot is given back.)
    assert waits and waits[0] is True
    attempts = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith(f"downloaded event {fresh} ")
    ]
    assert len(attempts) == 1 and attempts[0].endswith("3 attempt(s)")


def test_a_warm_rerun_in_a_new_process_only_reads_history(
    settings: Settings, emulator: Emulator, sleep: FakeSleep
) -> None:
    with Connector(settings, sleep=sleep) as first:
        first.download_day(DAY)
    emulator.reset_counters()
    with Connector(settings, sleep=sleep) as second:  # a new process: nothing shared in memory
        assert second.download_day(DAY).downloaded == []
    counters = {route: n for route, n in emulator.counters().items() if n}
    # Front Door: one page reaching the day before. Back Door: its one event, then the empty
    # page that ends its history. Nothing else: no session, no device list, no recording.
    assert counters == {"history": 3}
    cache = settings.oauth_file.with_name(settings.oauth_file.name + ".session.json")
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert TokenFile(settings.oauth_file).load()["access_token"] not in cache.read_text()


def test_a_refreshed_token_keeps_the_session(
    settings: Settings, emulator: Emulator, sleep: FakeSleep
) -> None:
    with Connector(settings, sleep=sleep) as first:
        first.download_day(DAY)
        emulator.expire_access_tokens()
        first.download_day(DAY)  # refreshes
    emulator.reset_counters()
    with Connector(settings, sleep=sleep) as second:
        second.download_day(DAY)
    # Ring keeps the session per hardware id, across refreshes (docs/ring-apis.md §3).
    assert emulator.count("session") == 0


@pytest.mark.storage_bandwidth(2_000_000)
class TestDownloadsAtOnce:
    """Bodies paced at 2 MB/s take ~0.1 s each, and the emulator holds the first ones until as
    many are being sent as may be: downloads that may overlap do, however slow the machine."""

    @pytest.mark.parametrize("concurrency", [1, 2, 4])
    def test_downloads_run_at_once_up_to_the_setting(
        self, settings: Settings, emulator: Emulator, sleep: FakeSleep, concurrency: int
    ) -> None:
        emulator.state.hold_bodies_until(concurrency)  # a connector fetching fewer waits 10 s
        with Connector(settings.replace(download_concurrency=concurrency), sleep=sleep) as connector:
            report = connector.download_day(DAY)
        assert ids(report.downloaded) == SmallDay.expected_dings()
        assert emulator.state.peak_streaming == concurrency


def test_ring_devices_limits_every_download_to_the_named_devices(
    settings: Settings, sleep: FakeSleep
) -> None:
    only_back = settings.replace(devices=("Back Door",))
    with Connector(only_back, sleep=sleep) as connector:
        report = connector.download_day(DAY)
    assert {body["deviceName"] for body in report.downloaded} == {"Back Door"}
    assert ids(report.downloaded) == {
        str(e.id) for e in SmallDay.events() if e.device_id == BACK and str(e.id) in SmallDay.expected_dings()
    }
