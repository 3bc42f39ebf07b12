"""Downloading a day against a Source in memory: no emulator, no network, no subprocess.

`MemorySource` implements the Source protocol with a script per event's recording (not ready N
times, no footage, a permanent failure, a revoked token, a bug); `DayDownload.run()` is driven
with `asyncio.run` and a real Saver writing into tmp_path, its retry waits recorded by FakeSleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ringConnector.download.day import DayDownload, DayReport, Failure
from ringConnector.download.progress import Progress
from ringConnector.download.save import Saver
from ringConnector.errors import (
    AuthorizationRequired,
    DownloadFailed,
    NoFootage,
    RingUnavailable,
    TransientError,
)
from ringConnector.model.days import DayWindow, day_window
from ringConnector.model.events import ARTICLE_FIELDS, Device, RingEvent, Unreadable
from ringConnector.retry import RetryPolicy
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.feed import ChangeFeed
from ringConnector.storage.library import EventLibrary
from ringConnector.storage.pending import PendingStore
from ringConnector.storage.state_db import StateDatabase
from ringConnector.storage.stills import Still
from tests.support import DAY, ZONE, FakeSleep

WINDOW = day_window(DAY, ZoneInfo(ZONE))  # 2026-11-22 in UTC+14
FRONT = Device("dev-front", "Front Door", "lpd_v2", "doorbots", time_zone=ZONE)
BACK = Device("dev-back", "Back Door", "doorbell_v3", "authorized_doorbots", time_zone=ZONE)
GARAGE = Device("dev-garage", "Garage", "cocoa_camera", "stickup_cams", time_zone=ZONE)
SHED = Device("dev-shed", "Shed", "lpd_v2", "doorbots", has_recordings=False, time_zone=ZONE)
DEVICES = [FRONT, BACK, GARAGE, SHED]
PARTIAL = b"half a recording"  # what a failing attempt wrote before it failed


def local(clock: str) -> datetime:
    """A local time on DAY in ZONE, as the aware UTC moment a source gives."""
    return datetime.combine(DAY, time.fromisoformat(clock), ZoneInfo(ZONE)).astimezone(UTC)


def event(ring_id: str, device: Device, clock: str, **fields: Any) -> RingEvent:
    """An event of `device` at a local time on DAY."""
    return RingEvent(id=ring_id, device=device, created_at=local(clock), kind="ding", **fields)


def video(ring_id: str) -> bytes:
    """The recording the memory source serves for an event (distinct per event)."""
    return b"\x00\x00\x00\x18ftypmp42" + ring_id.encode() * 500


@dataclass
class Script:
    """How fetching one event's recording behaves, attempt by attempt."""

    not_ready: int = 0  # the first N attempts: "not prepared yet" (retried)
    retry_after: float | None = None  # sent with those, as a 429/503 would
    error: Exception | None = None  # then every attempt raises this (after writing a little)
    extra: dict[str, Any] = field(default_factory=dict)  # the extra JSON fields a success returns


class MemorySource:
    """The Source protocol in memory: devices, their events, and scripted recordings."""

    def __init__(
        self,
        events: list[RingEvent],
        scripts: dict[str, Script] | None = None,
        *,
        broken_history: dict[str, Exception] | None = None,
        overlap: int = 0,
        unreadable: list[Unreadable] | None = None,
    ) -> None:
        self.events_by_device: dict[str, list[RingEvent]] = {}
        for item in events:
            self.events_by_device.setdefault(item.device.id, []).append(item)
        self.scripts = scripts or {}
        self.broken_history = broken_history or {}
        self.unreadable = unreadable or []  # yielded first, in the device's history
        self.overlap = overlap  # hold each fetch until this many run at once
        self.attempts: Counter[str] = Counter()  # fetch_recording calls per ring id
        self.histories: list[str] = []  # device ids whose history was read
        self.running = 0
        self.peak = 0  # the most fetches running at once
        self.total = len(events)
        self.arrival = asyncio.Event()  # set when a fetch starts

    async def devices(self, *, every_type: bool = False) -> list[Device]:
        self.arrival = asyncio.Event()  # each run is a new loop: a new event for it
        return list(DEVICES)

    async def ping(self) -> None:
        return None

    async def events(self, device: Device, window: DayWindow) -> AsyncIterator[RingEvent | Unreadable]:
        self.histories.append(device.id)
        for bad in self.unreadable:
            if bad.device == device:
                yield bad
        for item in self.events_by_device.get(device.id, []):
            if window.contains(item.created_at):
                yield item
        if device.id in self.broken_history:
            raise self.broken_history[device.id]

    async def fetch_still(self, event: RingEvent, *, hint: str | None = None) -> Still | None:
        return None  # Ring's pictures are the emulator tests' (tests/download/test_stills.py)

    async def fetch_recording(self, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
        self.attempts[event.id] += 1
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.arrival.set()
        try:
            out.reset()  # like every real source, an attempt starts over
            if self.overlap:
                await self._hold()
            script = self.scripts.get(event.id, Script())
            if self.attempts[event.id] <= script.not_ready:
                out.write(PARTIAL)
                raise TransientError(
                    f"recording of event {event.id}: not prepared yet",
                    cause="not_ready",
                    retry_after=script.retry_after,
                )
            if script.error is not None:
                out.write(PARTIAL)
                raise script.error
            out.write(video(event.id))
            return dict(script.extra)
        finally:
            self.running -= 1

    async def close(self) -> None:
        return None

    async def _hold(self) -> None:
        """Stay until `overlap` fetches run at once (or every event has been started), then a
        little longer: a limit that let more through would show in `peak`."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                while self.running < self.overlap and len(self.attempts) < self.total:
                    self.arrival.clear()
                    await self.arrival.wait()
        await asyncio.sleep(0.005)


class Recorder(Progress):
    """A Progress listener that keeps every call."""

    def __init__(self) -> None:
        self.planned_ids: list[list[str]] = []
        self.finished_calls: list[tuple[str, str | None, str | None]] = []  # (id, body's id, error)
        self.bytes = 0

    def planned(self, events: list[RingEvent]) -> None:
        self.planned_ids.append([e.id for e in events])

    def transferred(self, size: int) -> None:
        self.bytes += size

    def finished(self, event: RingEvent, body: dict[str, Any] | None, error: str | None) -> None:
        self.finished_calls.append((event.id, None if body is None else body["ringId"], error))


@dataclass
class Run:
    """One test's world: the source, the library folder, the retry policy and its fake sleep."""

    source: MemorySource
    videos: Path
    sleep: FakeSleep = field(default_factory=FakeSleep)
    policy: dict[str, float] = field(default_factory=dict)  # RetryPolicy overrides

    def day(self, *, concurrency: int = 4, progress: Progress | None = None, **options: Any) -> DayReport:
        state = StateDatabase(self.videos.parent / "state.sqlite3")
        feed = ChangeFeed(state, EventLibrary(self.videos))
        saver = Saver(feed, RetryPolicy(sleep=self.sleep, **self.policy))
        inflight: dict[str, asyncio.Future[bool]] = {}
        job = DayDownload(
            self.source,
            saver,
            WINDOW,
            concurrency,
            inflight,
            PendingStore(state),
            progress=progress or Progress(),
            **options,
        )
        report = asyncio.run(job.run())
        assert inflight == {}  # every event's entry is removed, however it ended
        return report

    def files(self) -> list[str]:
        """Every file name in the videos folder, hidden ones too (not the lock folder)."""
        if not self.videos.is_dir():
            return []
        return sorted(p.name for p in self.videos.iterdir() if p.name != ".locks")


def world(
    tmp_path: Path, events: list[RingEvent], scripts: dict[str, Script] | None = None, **kw: Any
) -> Run:
    return Run(MemorySource(events, scripts, **kw), tmp_path / "videos")


def ids(report: DayReport) -> list[str]:
    return [str(body["ringId"]) for body in report.downloaded]


def failures(report: DayReport) -> list[tuple[str | None, str, str]]:
    """(ring id, device name, reason) of each failure, in a stable order."""
    return sorted(((f.ring_id, f.device, f.reason) for f in report.failed), key=str)


def finals(ring_id: str, clock: str) -> list[str]:
    """The two final file names of an event at a local time on DAY."""
    stem = f"20261122-{clock.replace(':', '')}-{ring_id}"
    return [f"{stem}.json", f"{stem}.mp4"]


# The day most tests use: one event of each outcome on the two doorbells, and a Garage motion.
GOOD = event("e-good", FRONT, "00:00:05", duration=30.0)
ANSWERED = event("e-answered", BACK, "08:15:00", answered=True, duration=None)
NO_FOOTAGE = event("e-nofootage", FRONT, "09:00:00")
BROKEN = event("e-broken", FRONT, "10:00:00")
BUG = event("e-bug", BACK, "11:00:00")
PROCESSING = event("e-processing", FRONT, "12:00:00", ready=False)
GARAGE_MOTION = RingEvent("e-motion", GARAGE, local("13:00:00"), "motion", extra={"subType": "human"})
LAST = event("e-last", BACK, "23:59:59")
MIXED_DAY = [GOOD, ANSWERED, NO_FOOTAGE, BROKEN, BUG, PROCESSING, GARAGE_MOTION, LAST]
MIXED_SCRIPTS = {
    "e-nofootage": Script(error=NoFootage("clip of e-nofootage: the camera has no footage then")),
    "e-broken": Script(error=DownloadFailed("recording of event e-broken: HTTP 403")),
    "e-bug": Script(error=RuntimeError("a bug")),
    "e-motion": Script(extra={"clipLengthMs": 30_000}),
}


def test_the_ready_events_are_downloaded_and_every_other_outcome_is_reported(tmp_path: Path) -> None:
    run = world(tmp_path, MIXED_DAY, MIXED_SCRIPTS)
    report = run.day()
    assert report.day == "20261122"
    assert ids(report) == ["e-good", "e-answered", "e-motion", "e-last"]  # oldest first
    assert sorted(report.skipped) == [("e-nofootage", "no footage"), ("e-processing", "recording not ready")]
    assert failures(report) == [
        ("e-broken", "Front Door", "recording of event e-broken: HTTP 403"),
        ("e-bug", "Back Door", "unexpected error (RuntimeError)"),
    ]
    assert report.fatal is None and not report.complete
    assert report.planned == []
    # One attempt each: none of these failures is worth retrying; never the not-ready one.
    assert run.source.attempts == Counter(
        {
            "e-good": 1,
            "e-answered": 1,
            "e-nofootage": 1,
            "e-broken": 1,
            "e-bug": 1,
            "e-motion": 1,
            "e-last": 1,
        }
    )
    assert run.sleep.waits == []
    assert run.source.histories == ["dev-front", "dev-back", "dev-garage"]  # not the unsubscribed Shed


def test_only_the_downloaded_events_are_on_disk_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    run = world(tmp_path, MIXED_DAY, MIXED_SCRIPTS)
    run.day()
    assert run.files() == sorted(
        finals("e-good", "00:00:05")
        + finals("e-answered", "08:15:00")
        + finals("e-motion", "13:00:00")
        + finals("e-last", "23:59:59")
    )
    saved = (
        ("e-good", "00:00:05"),
        ("e-answered", "08:15:00"),
        ("e-motion", "13:00:00"),
        ("e-last", "23:59:59"),
    )
    for ring_id, clock in saved:
        _, mp4 = finals(ring_id, clock)
        assert (run.videos / mp4).read_bytes() == video(ring_id)


def test_the_event_json_on_disk_holds_the_article_fields_then_the_device_and_extras(tmp_path: Path) -> None:
    run = world(tmp_path, MIXED_DAY, MIXED_SCRIPTS)
    report = run.day()
    by_id = {body["ringId"]: body for body in report.downloaded}
    good_json, good_mp4 = finals("e-good", "00:00:05")
    on_disk = json.loads((run.videos / good_json).read_text())
    assert list(on_disk) == [*ARTICLE_FIELDS, "deviceId", "deviceName", "seq"]
    assert isinstance(on_disk.pop("seq"), int)  # the change feed's number: storage/test_feed.py
    assert on_disk == {
        "ringId": "e-good",
        "date": "20261122",
        "eventName": "20261122-000005",  # local time: 10:00:05 UTC the day before
        "createdAt": "2026-11-21T10:00:05.000000Z",
        "answered": False,
        "kind": "ding",
        "duration": 30.0,
        "videoFileName": str(run.videos / good_mp4),
        "status": "UNPROCESSED",
        "deviceId": "dev-front",
        "deviceName": "Front Door",
    }
    assert by_id["e-good"] == {**on_disk, "seq": by_id["e-good"]["seq"]}
    answered = json.loads((run.videos / finals("e-answered", "08:15:00")[0]).read_text())
    assert (answered["answered"], answered["duration"], answered["deviceName"]) == (True, None, "Back Door")
    motion_json, motion_mp4 = finals("e-motion", "13:00:00")
    motion = json.loads((run.videos / motion_json).read_text())
    # The event's own extras, then what the source's fetch returned.
    assert list(motion) == [*ARTICLE_FIELDS, "deviceId", "deviceName", "subType", "clipLengthMs", "seq"]
    assert (motion["kind"], motion["subType"], motion["clipLengthMs"]) == ("motion", "human", 30_000)
    assert motion["videoFileName"] == str(run.videos / motion_mp4)


def test_progress_hears_the_plan_once_then_every_event_it_planned_finish(tmp_path: Path) -> None:
    progress = Recorder()
    world(tmp_path, MIXED_DAY, MIXED_SCRIPTS).day(progress=progress)
    assert progress.planned_ids == [
        ["e-good", "e-answered", "e-nofootage", "e-broken", "e-bug", "e-motion", "e-last"]
    ]
    assert sorted(progress.finished_calls) == [
        ("e-answered", "e-answered", None),
        ("e-broken", None, "recording of event e-broken: HTTP 403"),
        ("e-bug", None, "unexpected error (RuntimeError)"),
        ("e-good", "e-good", None),
        ("e-last", "e-last", None),
        ("e-motion", "e-motion", None),
        ("e-nofootage", None, None),  # skipped, not failed
    ]


def test_a_second_run_skips_what_the_first_downloaded_without_fetching_it_again(tmp_path: Path) -> None:
    run = world(tmp_path, MIXED_DAY, MIXED_SCRIPTS)
    run.day()
    first_files = run.files()
    run.source.attempts.clear()
    progress = Recorder()
    again = run.day(progress=progress)
    assert again.downloaded == []
    assert sorted(again.skipped) == [
        ("e-answered", "already downloaded"),
        ("e-good", "already downloaded"),
        ("e-last", "already downloaded"),
        ("e-motion", "already downloaded"),
        ("e-nofootage", "no footage"),
        ("e-processing", "recording not ready"),
    ]
    # What failed is tried again (and fails again); what is on disk is not fetched.
    assert run.source.attempts == Counter({"e-nofootage": 1, "e-broken": 1, "e-bug": 1})
    assert [ring_id for ring_id, _, _ in failures(again)] == ["e-broken", "e-bug"]
    assert progress.planned_ids == [["e-nofootage", "e-broken", "e-bug"]]
    assert run.files() == first_files


def test_the_callers_skip_list_is_neither_fetched_nor_written(tmp_path: Path) -> None:
    run = world(tmp_path, [GOOD, ANSWERED, LAST])
    report = run.day(skip=frozenset({"e-answered", "not-an-event-of-the-day"}))
    assert ids(report) == ["e-good", "e-last"]
    assert report.skipped == [("e-answered", "the caller has it")]
    assert run.source.attempts == Counter({"e-good": 1, "e-last": 1})
    assert run.files() == sorted(finals("e-good", "00:00:05") + finals("e-last", "23:59:59"))
    assert report.complete


@pytest.mark.parametrize("chosen", ["dev-back", "Back Door"])
def test_only_devices_reads_and_downloads_the_chosen_device_by_id_or_name(
    tmp_path: Path, chosen: str
) -> None:
    run = world(tmp_path, [GOOD, ANSWERED, GARAGE_MOTION, LAST])
    report = run.day(only_devices=frozenset({chosen}))
    assert ids(report) == ["e-answered", "e-last"]
    assert run.source.histories == ["dev-back"]
    assert run.source.attempts == Counter({"e-answered": 1, "e-last": 1})
    assert report.skipped == [] and report.complete


def test_a_dry_run_plans_the_events_and_fetches_and_writes_nothing(tmp_path: Path) -> None:
    run = world(tmp_path, MIXED_DAY, MIXED_SCRIPTS)
    progress = Recorder()
    report = run.day(dry_run=True, progress=progress)
    assert report.planned == [
        {
            "ringId": "e-good",
            "eventName": "20261122-000005",
            "kind": "ding",
            "deviceName": "Front Door",
            "createdAt": "2026-11-21T10:00:05.000000Z",
        },
        {
            "ringId": "e-answered",
            "eventName": "20261122-081500",
            "kind": "ding",
            "deviceName": "Back Door",
            "createdAt": "2026-11-21T18:15:00.000000Z",
        },
        {
            "ringId": "e-nofootage",
            "eventName": "20261122-090000",
            "kind": "ding",
            "deviceName": "Front Door",
            "createdAt": "2026-11-21T19:00:00.000000Z",
        },
        {
            "ringId": "e-broken",
            "eventName": "20261122-100000",
            "kind": "ding",
            "deviceName": "Front Door",
            "createdAt": "2026-11-21T20:00:00.000000Z",
        },
        {
            "ringId": "e-bug",
            "eventName": "20261122-110000",
            "kind": "ding",
            "deviceName": "Back Door",
            "createdAt": "2026-11-21T21:00:00.000000Z",
        },
        {
            "ringId": "e-motion",
            "eventName": "20261122-130000",
            "kind": "motion",
            "deviceName": "Garage",
            "createdAt": "2026-11-21T23:00:00.000000Z",
        },
        {
            "ringId": "e-last",
            "eventName": "20261122-235959",
            "kind": "ding",
            "deviceName": "Back Door",
            "createdAt": "2026-11-22T09:59:59.000000Z",
        },
    ]
    assert report.downloaded == [] and report.failed == []
    assert report.skipped == [("e-processing", "recording not ready")]
    assert run.source.attempts == Counter()
    assert run.files() == []
    assert progress.planned_ids == [] and progress.finished_calls == []


def test_no_more_recordings_are_fetched_at_once_than_the_concurrency(tmp_path: Path) -> None:
    many = [event(f"e-{n}", FRONT if n % 2 else BACK, f"{n + 1:02d}:00:00") for n in range(6)]
    run = world(tmp_path, many, overlap=2)
    report = run.day(concurrency=2)
    assert ids(report) == [f"e-{n}" for n in range(6)]
    assert run.source.peak == 2  # reached, never exceeded


def test_a_recording_ring_is_still_preparing_is_fetched_again_after_each_backoff_wait(tmp_path: Path) -> None:
    run = world(tmp_path, [GOOD], {"e-good": Script(not_ready=3)})
    run.policy = {"initial_delay": 1.0, "max_delay": 30.0, "max_wait": 100.0}
    progress = Recorder()
    report = run.day(progress=progress)
    assert ids(report) == ["e-good"]
    assert run.source.attempts == Counter({"e-good": 4})
    # One wait per "not ready": 1·2^(n-1) seconds plus up to 1 s of jitter.
    assert len(run.sleep.waits) == 3
    for n, wait in enumerate(run.sleep.waits):
        assert 2**n <= wait <= 2**n + 1
    assert (run.videos / finals("e-good", "00:00:05")[1]).read_bytes() == video("e-good")
    assert progress.bytes == len(video("e-good"))  # each failed attempt's bytes were taken back
    assert run.files() == finals("e-good", "00:00:05")


def test_ring_s_retry_after_is_the_wait(tmp_path: Path) -> None:
    run = world(tmp_path, [GOOD], {"e-good": Script(not_ready=1, retry_after=7.0)})
    report = run.day()
    assert ids(report) == ["e-good"]
    assert run.sleep.waits == [7.0]


def test_a_recording_that_never_comes_fails_once_the_wait_budget_is_spent_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    run = world(tmp_path, [GOOD, LAST], {"e-good": Script(not_ready=1_000)})
    # Waits of 1-2, 2-3 and 4-5 s fit in 10 s; the fourth (8-9 s) would not.
    run.policy = {"initial_delay": 1.0, "max_delay": 30.0, "max_wait": 10.0}
    report = run.day()
    assert ids(report) == ["e-last"]
    assert failures(report) == [("e-good", "Front Door", "recording of event e-good: not prepared yet")]
    assert run.source.attempts == Counter({"e-good": 4, "e-last": 1})
    assert len(run.sleep.waits) == 3 and sum(run.sleep.waits) <= 10.0
    assert run.files() == finals("e-last", "23:59:59")  # no .mp4, .json or .part-* of e-good


def test_a_revoked_token_while_downloading_is_fatal_but_the_other_events_are_still_saved(
    tmp_path: Path,
) -> None:
    revoked = AuthorizationRequired("recording of event e-answered: sign in again")
    run = world(tmp_path, [GOOD, ANSWERED, LAST], {"e-answered": Script(error=revoked)})
    report = run.day()
    assert report.fatal is revoked
    assert not report.complete
    assert failures(report) == [("e-answered", "Back Door", "recording of event e-answered: sign in again")]
    assert ids(report) == ["e-good", "e-last"]
    assert run.files() == sorted(finals("e-good", "00:00:05") + finals("e-last", "23:59:59"))


def test_a_history_that_cannot_be_read_fails_that_device_only(tmp_path: Path) -> None:
    down = RingUnavailable("history of Garage: Ring answered 500 after every retry")
    run = world(tmp_path, [GOOD, GARAGE_MOTION, LAST], broken_history={"dev-garage": down})
    report = run.day()
    # The events it listed before failing are still downloaded.
    assert ids(report) == ["e-good", "e-motion", "e-last"]
    assert report.failed == [
        Failure(None, "Garage", "history of Garage: Ring answered 500 after every retry", "dev-garage")
    ]
    assert report.fatal is None and not report.complete


def test_a_revoked_token_while_reading_history_stops_the_day(tmp_path: Path) -> None:
    run = world(tmp_path, [GOOD, LAST], broken_history={"dev-front": AuthorizationRequired("sign in again")})
    with pytest.raises(AuthorizationRequired, match="sign in again"):
        run.day()
    assert run.source.attempts == Counter()
    assert run.files() == []


def test_a_device_list_that_cannot_be_read_is_ring_unavailable(tmp_path: Path) -> None:
    class NoDevices(MemorySource):
        async def devices(self, *, every_type: bool = False) -> list[Device]:
            raise TransientError("device list: HTTP 503", cause="unavailable")

    run = Run(NoDevices([GOOD]), tmp_path / "videos")
    with pytest.raises(RingUnavailable, match=r"^could not list Ring devices: device list: HTTP 503$"):
        run.day()


def test_an_opaque_id_with_a_slash_is_saved_escaped_and_known_on_the_next_run(tmp_path: Path) -> None:
    opaque = event("clip/7", FRONT, "07:00:00")
    run = world(tmp_path, [opaque])
    assert ids(run.day()) == ["clip/7"]
    assert run.files() == finals("clip%2F7", "07:00:00")
    assert run.day().skipped == [("clip/7", "already downloaded")]
    assert run.source.attempts == Counter({"clip/7": 1})


def test_an_unreadable_history_item_fails_alone_and_the_rest_of_the_day_downloads(tmp_path: Path) -> None:
    good = [event("1", FRONT, "08:00:00"), event("2", FRONT, "09:00:00"), event("3", BACK, "10:00:00")]
    bad = [
        Unreadable(FRONT, "created_at '2026-11-22 08:30' is no time Ring writes", ring_id="77"),
        Unreadable(BACK, "an item without an id"),
    ]
    source = MemorySource(good, unreadable=bad)
    report = Run(source, tmp_path / "videos").day()
    assert [body["ringId"] for body in report.downloaded] == ["1", "2", "3"]
    assert report.failed == [
        Failure(
            "77", "Front Door", "created_at '2026-11-22 08:30' is no time Ring writes", "dev-front", True
        ),
        Failure(None, "Back Door", "an item without an id", "dev-back", unreadable=True),
    ]
    assert not report.complete and report.fatal is None
    assert source.attempts == Counter({"1": 1, "2": 1, "3": 1})  # nothing is fetched for the bad items


def test_the_bytes_of_an_event_that_finally_failed_are_taken_back(tmp_path: Path) -> None:
    broken = event("e-broken", BACK, "03:00:00")
    run = world(tmp_path, [GOOD, broken], {"e-broken": Script(error=DownloadFailed("storage said no"))})
    progress = Recorder()
    report = run.day(progress=progress)
    assert ids(report) == ["e-good"] and [f.ring_id for f in report.failed] == ["e-broken"]
    assert progress.bytes == len(video("e-good"))  # the failed event's PARTIAL is not counted
