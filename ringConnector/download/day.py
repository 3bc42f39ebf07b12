"""Downloading a day: walk each device's history, pick the events to fetch, save each once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from filelock import FileLock, Timeout

from ringConnector.download.progress import Progress
from ringConnector.download.save import Saver
from ringConnector.errors import (
    AuthorizationRequired,
    ConnectorError,
    NoFootage,
    RingUnavailable,
    TransientError,
)
from ringConnector.metrics import FAILURES
from ringConnector.model.days import DayWindow, day_text, utc_text
from ringConnector.model.events import RingEvent, Unreadable
from ringConnector.sources import Source
from ringConnector.storage.library import EventLibrary

_LOGGER = logging.getLogger(__name__)
# How often to look again at an event another process is downloading.
LOCK_POLL = 0.1


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
    skip: frozenset[str] = frozenset()
    only_devices: frozenset[str] = frozenset()  # ids or names; empty: every selected device
    dry_run: bool = False
    progress: Progress = field(default_factory=Progress)

    @property
    def library(self) -> EventLibrary:
        """DATA_DIR/videos."""
        return self.saver.library

    async def run(self) -> DayReport:
        """Download every ready event of the day that neither the caller nor DATA_DIR has."""
        report = DayReport(day_text(self.window.day))
        try:
            devices = await self.source.devices()
        except TransientError as ex:
            raise RingUnavailable(f"could not list Ring devices: {ex}") from ex
        await asyncio.to_thread(self.library.sweep)
        known = await asyncio.to_thread(self.library.known_ids)
        wanted: dict[str, RingEvent] = {}
        if self.only_devices:
            devices = [d for d in devices if {d.id, d.name} & self.only_devices]
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
            return report
        self.progress.planned(events)
        gate = asyncio.Semaphore(self.concurrency)
        # A TaskGroup cancels the other downloads if one fails unexpectedly, rather than
        # leaving them to finish unreported in the background.
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(self._download(event, gate, report)) for event in events]
        report.downloaded = [body for task in tasks if (body := task.result()) is not None]
        for failure in report.failed:
            FAILURES.labels("history" if failure.ring_id is None else "download").inc()
        return report

    def _skip_reason(self, event: RingEvent, known: Iterable[str]) -> str | None:
        if event.id in self.skip:
            return "the caller has it"
        if event.id in known:
            return "already downloaded"
        if not event.ready:
            return "recording not ready"
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
            if await asyncio.to_thread(self.library.json_path(event.file_stem(self.window)).exists):
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
            self.progress.finished(event, None, "no footage")
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
        report.failed.append(Failure(event.id, event.device.name, reason))
        self.progress.finished(event, None, reason)

    async def _fetch(self, event: RingEvent, gate: asyncio.Semaphore) -> dict[str, Any]:
        saver = replace(self.saver, on_write=self.progress.transferred)
        return await saver.save_recording(
            event, self.window, lambda out: self.source.fetch_recording(event, out), slot=gate
        )


def _summary(event: RingEvent, window: DayWindow) -> dict[str, Any]:
    return {
        "ringId": event.id,
        "eventName": event.event_name(window),
        "kind": event.kind,
        "deviceName": event.device.name,
        "createdAt": utc_text(event.created_at),
    }
