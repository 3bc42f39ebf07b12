"""Downloading a day: walk each device's history, pick the events to fetch, save each once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from filelock import FileLock, Timeout

from ringConnector.download.progress import Progress
from ringConnector.download.save import Saver
from ringConnector.errors import (
    AuthorizationRequired,
    ConnectorError,
    NoFootage,
    NotFound,
    RingUnavailable,
    TransientError,
    shown,
)
from ringConnector.metrics import FAILURES
from ringConnector.model.days import DayWindow, day_text, day_window, parse_day, utc_text
from ringConnector.model.events import Device, RingEvent, Unreadable
from ringConnector.sources import Source
from ringConnector.storage.library import EventLibrary
from ringConnector.storage.pending import Pending, PendingStore

_LOGGER = logging.getLogger(__name__)
# How often to look again at an event another process is downloading.
LOCK_POLL = 0.1
NOT_READY = "recording not ready"
# Skip reasons after which a pending recording needs no further try.
_SETTLED = frozenset(
    {"already downloaded", "downloaded by a concurrent call", "no footage", "the caller has it"}
)


async def _take(lock: FileLock) -> None:
    """Take an event's lock, polling: a thread blocked on it could be the one the process
    holding other locks needs to finish and release them (two processes would deadlock)."""
    while True:
        try:
            await asyncio.to_thread(lock.acquire, timeout=0)
            return
        except Timeout:
            await asyncio.sleep(LOCK_POLL)


@dataclass
class Failure:
    """Something that could not be done this time; the next call tries it again."""

    ring_id: str | None  # None when a whole device's history (or an id-less item) could not be read
    device: str  # its name, for people
    reason: str
    device_id: str = ""
    unreadable: bool = False  # one history item that could not be read (model.events.Unreadable)


@dataclass
class DayReport:
    """What one download call did for a day."""

    day: str
    downloaded: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (ringId, why)
    failed: list[Failure] = field(default_factory=list)
    # Set when the token stopped working part-way: the caller must be told even if
    # some events were downloaded before that.
    fatal: ConnectorError | None = None
    # With dry_run: what would be downloaded (ringId, eventName, kind, device, createdAt).
    planned: list[dict[str, Any]] = field(default_factory=list)
    # Recordings of other days, pending since their day's download, fetched by this call.
    late: list[dict[str, Any]] = field(default_factory=list)
    # Listed, but Ring was still preparing their recordings when this call ended.
    preparing: list[RingEvent] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when nothing failed."""
        return not self.failed and self.fatal is None


@dataclass
class DayDownload:
    """One call's download of one day; `inflight` is shared by every call of a Connector."""

    source: Source
    saver: Saver
    window: DayWindow
    concurrency: int
    inflight: dict[str, asyncio.Future[bool]]
    pending: PendingStore  # recordings not ready at the end of their day's download
    skip: frozenset[str] = frozenset()
    only_devices: frozenset[str] = frozenset()  # ids or names; empty: every device
    announced: frozenset[str] = frozenset()  # ids; non-empty: only these, among only_devices
    dry_run: bool = False
    progress: Progress = field(default_factory=Progress)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    # False for the passes over other days' pending recordings (they do not recurse).
    with_pending: bool = True
    # False: a recording Ring is still preparing is left pending at once, not waited for (the
    # watcher comes back for it itself, and must not be held from new events meanwhile).
    wait_for_preparation: bool = True
    # SNAPSHOTS=only: each event's still from Ring (its SNAPSHOT stage), never its video.
    stills_only: bool = False

    @property
    def library(self) -> EventLibrary:
        """DATA_DIR/videos."""
        return self.saver.library

    async def run(self) -> DayReport:
        """Download every ready event of the day that neither the caller nor DATA_DIR has; wait
        (within the retry budget) for fresh ones Ring is preparing; keep the rest pending, and
        try other days' pending recordings again."""
        report, waiting = await self._run_day()
        if self.with_pending and not self.dry_run and report.fatal is None:
            await self._pending_pass(report, waiting)
        return report

    async def _run_day(self) -> tuple[DayReport, dict[str, RingEvent]]:
        """The day itself; returns its report and the events whose recordings are still not ready."""
        report = DayReport(day_text(self.window.day))
        try:
            devices = await self.source.devices()
        except TransientError as ex:
            raise RingUnavailable(f"could not list Ring devices: {ex}") from ex
        await asyncio.to_thread(self.library.sweep)
        known = await asyncio.to_thread(self.library.known_ids)
        if self.stills_only:
            known |= await asyncio.to_thread(self.library.still_ids)
        wanted: dict[str, RingEvent] = {}
        waiting: dict[str, RingEvent] = {}  # listed, recording not ready yet
        if self.only_devices:
            if self.with_pending:  # the caller's choice; a pending pass's ids may be of a device gone since
                check_devices(devices, self.only_devices)
            devices = [d for d in devices if {d.id, d.name} & self.only_devices]
        if self.announced:
            devices = [d for d in devices if d.id in self.announced]
        for device in devices:
            if not device.has_recordings:
                _LOGGER.warning("%s has no recordings (no Ring Protect plan); skipped", device.name)
                continue
            try:
                async for event in self.source.events(device, self.window):
                    if isinstance(event, Unreadable):
                        _LOGGER.error(
                            "an item of %s's history was not understood: %s", device.name, event.reason
                        )
                        failure = Failure(
                            event.ring_id, device.name, event.reason, device.id, unreadable=True
                        )
                        report.failed.append(failure)
                        continue
                    reason = self._skip_reason(event, known)
                    if reason:
                        report.skipped.append((event.id, reason))
                        if reason == NOT_READY and event.recording_status is not None:
                            waiting[event.id] = event  # `recording: null` has no video to wait for
                    else:
                        wanted[event.id] = event
            except AuthorizationRequired:
                raise
            except ConnectorError as ex:
                _LOGGER.error("history of %s could not be read: %s", device.name, ex)
                report.failed.append(Failure(None, device.name, str(ex), device.id))
        _LOGGER.info("%s: %d event(s) to download, %d skipped", report.day, len(wanted), len(report.skipped))
        events = sorted(wanted.values(), key=lambda e: (e.created_at, e.id))
        if self.dry_run:
            report.planned = [_summary(event, self.window) for event in events]
            return report, waiting
        self.progress.planned(events)
        gate = asyncio.Semaphore(self.concurrency)
        # A TaskGroup cancels the other downloads if one fails unexpectedly, rather than
        # leaving them to finish unreported in the background.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._download(event, gate, report)) for event in events]
            # A pending pass does not wait again; a watcher comes back itself.
            if waiting and self.with_pending and self.wait_for_preparation:
                group.create_task(self._wait_for(waiting, devices, gate, report, group, tasks))
        report.downloaded = [body for task in tasks if (body := task.result()) is not None]
        for failure in report.failed:
            FAILURES.labels("history" if failure.ring_id is None else "download").inc()
        report.preparing = list(waiting.values())
        return report, waiting

    async def _wait_for(
        self,
        waiting: dict[str, RingEvent],
        devices: list[Device],
        gate: asyncio.Semaphore,
        report: DayReport,
        group: asyncio.TaskGroup,
        tasks: list[asyncio.Task[dict[str, Any] | None]],
    ) -> None:
        """Re-read history for recordings Ring is still preparing and fetch each once it says
        `ready`: the wait follows the time already waited (preparation takes time, not attempts:
        docs/ring-apis.md §1.5, §3), so storage is not asked before Ring has the recording."""
        policy = self.saver.policy
        spent = 0.0
        while waiting:
            delay = min(policy.preparation_delay(self._waited(e)) for e in waiting.values())
            if any(self._waited(e) < 0 for e in waiting.values()) or spent + delay > policy.max_wait:
                return  # an event from the future by our clock, or past the budget: pending
            await policy.sleep(delay)
            spent += delay
            for device in [d for d in devices if any(e.device.id == d.id for e in waiting.values())]:
                try:
                    async for event in self.source.events(device, self.window):
                        if isinstance(event, RingEvent) and event.ready and event.id in waiting:
                            del waiting[event.id]
                            report.skipped.remove((event.id, NOT_READY))
                            self.progress.planned([event])
                            tasks.append(group.create_task(self._download(event, gate, report)))
                except ConnectorError as ex:
                    _LOGGER.warning("history of %s not re-read: %s", device.name, ex)
                    return

    def _waited(self, event: RingEvent) -> float:
        """Seconds Ring has been preparing the recording (RingEvent.preparing_for)."""
        return event.preparing_for(self.now())

    async def _pending_pass(self, report: DayReport, waiting: dict[str, RingEvent]) -> None:
        """Remember what this day leaves not ready (or failed); fetch other days' pending recordings."""
        store = self.pending
        now = self.now()
        day = day_text(self.window.day)
        since = now.isoformat()
        add = [Pending(e.id, e.device.id, day, since) for e in waiting.values()]
        add += [
            Pending(f.ring_id, f.device_id, day, since)
            for f in report.failed
            if f.ring_id and f.device_id and not f.unreadable
        ]
        done = {str(body["ringId"]) for body in report.downloaded}
        done |= {ring_id for ring_id, why in report.skipped if why in _SETTLED}
        try:
            await asyncio.to_thread(store.update, now, add=add, done=done)
            entries = await asyncio.to_thread(store.entries, now)
        except OSError as ex:
            # A full disk: the day's own failures are reported anyway, and its next download
            # finds them again; only other days' calls will not try them meanwhile.
            _LOGGER.error("pending recordings not updated: %s", ex)
            return
        others = [e for e in entries if e.day != day]
        if not others:
            return
        fetched: set[str] = set()
        for other_day in sorted({e.day for e in others}):
            entries = [e for e in others if e.day == other_day]
            _LOGGER.info("%s: trying %d pending recording(s) again", other_day, len(entries))
            window = day_window(parse_day(other_day), self.window.zone)
            job = replace(
                self,
                window=window,
                skip=frozenset(),
                only_devices=frozenset(e.device_id for e in entries),
                announced=frozenset(),
                with_pending=False,
                progress=Progress(),
            )
            ids = {e.ring_id for e in entries}
            try:
                other, _ = await job._run_day()
            except ConnectorError as ex:
                _LOGGER.warning("%s: pending recordings not tried: %s", other_day, ex)
                continue
            late = [body for body in other.downloaded if str(body["ringId"]) in ids]
            report.late += late
            fetched |= {str(body["ringId"]) for body in late}
            fetched |= {ring_id for ring_id, why in other.skipped if ring_id in ids and why in _SETTLED}
        with contextlib.suppress(OSError):  # logged above when the disk is full; retried next call
            await asyncio.to_thread(store.update, self.now(), add=[], done=fetched)

    def _skip_reason(self, event: RingEvent, known: Iterable[str]) -> str | None:
        if event.id in self.skip:
            return "the caller has it"
        if event.id in known:
            return "already downloaded"
        if not event.ready and not self.stills_only:  # Ring may have a picture before the video
            return NOT_READY
        return None

    async def _download(
        self, event: RingEvent, gate: asyncio.Semaphore, report: DayReport
    ) -> dict[str, Any] | None:
        running = self.inflight.get(event.id)
        if running is not None:
            # Another call is fetching it right now: wait for it rather than fetch it twice.
            if await asyncio.shield(running):
                report.skipped.append((event.id, "downloaded by a concurrent call"))
            else:
                self._fail(report, event, "failed in a concurrent call")
            return None
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.inflight[event.id] = done
        lock = self.library.event_lock(event.id)
        locked = False
        try:
            # Another process (the script beside the server) may be downloading it: wait for it.
            await _take(lock)
            locked = True
            # The index read at the start may be stale: another call or process can have
            # finished this event since. Both hold it until its JSON exists, so checking the
            # disk after taking it closes the gap.
            stem = event.file_stem(self.window)
            if await asyncio.to_thread(self.library.json_path(stem).exists) or (
                self.stills_only and await asyncio.to_thread(self.library.still_path(stem).exists)
            ):
                report.skipped.append((event.id, "already downloaded"))
                done.set_result(True)
                return None
            body = await self._fetch(event, gate)
            done.set_result(True)
            self.progress.finished(event, body, None)
            return body
        except NoFootage:
            # The camera recorded nothing then: nothing to retry (Partner API's 416).
            report.skipped.append((event.id, "no footage"))
            self.progress.finished(event, None, None)  # skipped: neither downloaded nor failed
        except AuthorizationRequired as ex:
            report.fatal = ex
            self._fail(report, event, str(ex))
        except (ConnectorError, OSError) as ex:
            # OSError: the disk (full, read-only); the temporary file is already gone.
            _LOGGER.error("event %s failed: %s", event.id, ex, extra={"event_done": event.id})
            self._fail(report, event, str(ex))
        except Exception as ex:  # a bug or an answer nobody foresaw: fail this event, not the day
            _LOGGER.exception("event %s failed unexpectedly", event.id)
            self._fail(report, event, f"unexpected error ({type(ex).__name__})")
        finally:
            if locked:
                lock.release()
            if not done.done():
                done.set_result(False)
            del self.inflight[event.id]
        return None

    def _fail(self, report: DayReport, event: RingEvent, reason: str) -> None:
        report.failed.append(Failure(event.id, event.device.name, reason, event.device.id))
        self.progress.finished(event, None, reason)

    async def _fetch(self, event: RingEvent, gate: asyncio.Semaphore) -> dict[str, Any]:
        if self.stills_only:
            async with gate:
                return await self.saver.save_still_only(event, self.window)
        saver = replace(self.saver, on_write=self.progress.transferred)
        return await saver.save_recording(
            event, self.window, lambda out: self.source.fetch_recording(event, out), slot=gate
        )


def check_devices(devices: list[Device], wanted: Iterable[str]) -> None:
    """Raise NotFound naming the devices there are, unless each of `wanted` (RING_DEVICES,
    --device: ids or names) is one of `devices`: a typo must not look like a quiet day."""
    there = {d.id for d in devices} | {d.name for d in devices}
    unknown = sorted(set(wanted) - there)
    if not unknown:
        return
    which = ", ".join(shown(name) for name in unknown)
    named = ", ".join(f"{d.name!r} (id {d.id})" for d in devices)
    raise NotFound(
        f"no device {which} on the Ring account (RING_DEVICES and --device take an id or a name): "
        + (f"the devices are {named}" if devices else "it has no video devices of RING_DEVICE_TYPES")
    )


def _summary(event: RingEvent, window: DayWindow) -> dict[str, Any]:
    return {
        "ringId": event.id,
        "eventName": event.event_name(window),
        "kind": event.kind,
        "deviceName": event.device.name,
        "createdAt": utc_text(event.created_at),
    }
