"""The Connector: the sync face of the connector, and the one place its asyncio event loop lives.

ring_doorbell and the downloads are async; Flask views and scripts are sync. A Connector
runs one event loop in a background thread for its whole life, so the HTTP connection pool,
Ring session and device list are reused across calls; sync callers hand it coroutines.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Coroutine, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import aiohttp

from ringConnector.config import Settings
from ringConnector.download.callbacks import Notifier
from ringConnector.download.day import DayDownload, DayReport
from ringConnector.download.first_look import Announced, first_look
from ringConnector.download.jobs import Job, JobBook
from ringConnector.download.on_demand import record
from ringConnector.download.progress import Progress
from ringConnector.download.save import Saver
from ringConnector.errors import ConnectorError
from ringConnector.model.days import day_text, day_window, today
from ringConnector.model.events import Device, RingEvent
from ringConnector.retry import RetryPolicy, Sleep
from ringConnector.sources import Source, open_source
from ringConnector.sources.consumer.push import Pushed, PushListener, PushTiming
from ringConnector.storage.feed import ChangeFeed
from ringConnector.storage.library import EventLibrary
from ringConnector.storage.pending import PendingStore
from ringConnector.storage.state_db import FILE_NAME as STATE_FILE
from ringConnector.storage.state_db import StateDatabase
from ringConnector.storage.stills import Still

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
# Readiness probes come every few seconds; Ring is asked at most this often.
READY_TTL = 30.0


class Connector:
    """Downloads days of recordings; safe to call from several threads at once."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Sleep | None = None,
        now: Callable[[], datetime] | None = None,
        push_timing: PushTiming | None = None,
    ) -> None:
        """Start the event loop thread; nothing talks to Ring until the first download.
        `push_timing`: the push watchdog's timings (tests shorten them)."""
        self.settings = settings
        self._push_timing = push_timing
        self._now = now or (lambda: datetime.now(UTC))
        self.library = EventLibrary(settings.videos_dir)
        # The feed's index, the outbox, webhook ids, announcements and pending recordings
        # (created on first use), on the Connector's clock.
        self.state = StateDatabase(settings.data_dir / STATE_FILE, clock=self._wall_clock)
        self.feed = ChangeFeed(self.state, self.library, clock=self._wall_clock)
        self.pending = PendingStore(self.state, legacy=self.library.pending_path)
        self._policy = RetryPolicy(
            max_wait=settings.retry_max_wait,
            initial_delay=settings.retry_initial_delay,
            max_delay=settings.retry_max_delay,
            sleep=sleep or asyncio.sleep,
        )
        self._loop = asyncio.new_event_loop()
        # File commits and Partner API transfers run in worker threads; the default pool
        # (cores + 4) would let a few long clip downloads starve the commits.
        self._loop.set_default_executor(
            ThreadPoolExecutor(
                max_workers=settings.download_concurrency * 2 + 4, thread_name_prefix="ring-io"
            )
        )
        self._thread = threading.Thread(target=self._loop.run_forever, name="ring-loop", daemon=True)
        self._thread.start()
        self._http: aiohttp.ClientSession | None = None
        self._source: Source | None = None
        self._inflight: dict[str, asyncio.Future[bool]] = {}
        self._ready: tuple[float, tuple[bool, str]] | None = None  # (when asked, the answer)
        self._checking: Future[tuple[bool, str]] | None = None  # the readiness check under way
        self._ready_lock = threading.Lock()
        self.jobs = JobBook()
        self._notifier: Notifier | None = None
        self._push: PushListener | None = None
        self._push_task: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None  # held, or the loop may collect the task
        self._looks: set[asyncio.Task[None]] = set()  # first looks under way

    @property
    def policy(self) -> RetryPolicy:
        """The retry policy (RETRY_*), whose preparation waits the watcher follows too."""
        return self._policy

    def now(self) -> datetime:
        """The Connector's clock (injected in tests)."""
        return self._now()

    def _wall_clock(self) -> float:
        return self._now().timestamp()

    def today(self) -> date:
        """Today in the configured time zone, at the moment of the call."""
        return today(self.settings.zone, self._now())

    def download_day(
        self,
        day: date | None = None,
        skip: Iterable[str] = (),
        *,
        devices: Iterable[str] = (),
        announced: Iterable[str] = (),
        dry_run: bool = False,
        progress: Progress | None = None,
        wait: bool = True,
    ) -> DayReport:
        """Download the ready recordings of `day` (default: today) that are not in `skip`;
        only of `devices` (ids or names; default RING_DEVICES), and of those only the
        `announced` ones (ids: a watcher's webhook never widens the selection); with `dry_run`,
        only list them; without `wait`, recordings Ring is still preparing are left pending at once."""
        window = day_window(day or self.today(), self.settings.zone)
        skipped = frozenset(str(item) for item in skip)
        only = frozenset(devices) or frozenset(self.settings.devices)
        progress = progress or Progress()
        job = self._download(
            window,
            skipped,
            only,
            progress=progress,
            announced=frozenset(announced),
            dry_run=dry_run,
            wait=wait,
        )
        return self._run(job)

    def missing_from(self, day: date | None, held: Iterable[str]) -> tuple[DayReport, list[dict[str, Any]]]:
        """The article's "events of the day not in your list": download the day's new recordings
        (none of `held`), then answer every event of the day on disk that is not in `held`,
        oldest first, each once; those already on disk are never fetched again. A caller that
        lost an answer (or its database) gets those events again by sending what it has."""
        held = frozenset(str(item) for item in held)
        report = self.download_day(day, skip=held)
        on_disk = self.library.day(report.day)
        return report, [body for body in on_disk if str(body.get("ringId")) not in held]

    def record(self, device_id: str, seconds: int) -> dict[str, Any]:
        """Record `seconds` on a device now (Partner API) and return the clip's event JSON."""
        return self._run(self._record(device_id, seconds))

    def start_job(self, day: date | None = None, skip: Iterable[str] = ()) -> Job:
        """Start downloading a day in the background; returns at once with the job."""
        wanted = day or self.today()
        skipped = frozenset(str(item) for item in skip)
        job, new = self.jobs.start(day_text(wanted), skipped)
        if not new:
            return job  # the same day and skip list is already being downloaded
        window = day_window(wanted, self.settings.zone)

        async def run() -> None:
            try:
                report = await self._download(window, skipped, frozenset(self.settings.devices), progress=job)
            except ConnectorError as ex:
                job.ended(None, str(ex))
            except Exception as ex:  # the job must end, whatever happened
                job.ended(None, f"unexpected error ({type(ex).__name__})")
                raise
            else:
                job.ended(report, None)

        asyncio.run_coroutine_threadsafe(run(), self._loop)
        return job

    def devices(self) -> list[Device]:
        """Every video device on the account, whatever RING_DEVICE_TYPES selects."""
        return self._run(self._devices())

    def drain_callbacks(self) -> None:
        """Start delivering the outbox's due callbacks (a watcher's round calls it)."""
        if self.settings.callback_url:
            self._run(self._drain())

    def undelivered_callbacks(self) -> int:
        """How many event JSON are still to deliver to CALLBACK_URL."""
        if not self.settings.callback_url:
            return 0
        return self.state.undelivered()

    async def _drain(self) -> None:
        self._get_source()
        if self._notifier is not None:
            await self._notifier.drain()

    async def _start_up(self) -> None:
        """Index what a killed process wrote but did not index (queued for the callback, if
        any), then deliver what earlier runs could not, whatever its next try said."""
        try:
            await asyncio.to_thread(self.feed.reconcile, queue=self._notifier is not None)
        except OSError as ex:
            _LOGGER.error("the change feed could not be checked against the files: %s", ex)
        if self._notifier is not None:
            await self._notifier.drain(waiting_too=True)

    def readiness(self) -> tuple[bool, str]:
        """(ready, reason): a usable token and Ring reachable, as the last check found, checked at
        most every READY_TTL s. A probe that finds the check due starts the next one in the event
        loop and answers from the last meanwhile: no thread waits on Ring (while Ring was slow,
        40 probes waiting for one check held all 32 of the server's threads). Only before any
        check has ended does the probe that started the first wait for it (HTTP_TIMEOUT at most);
        the others answer that it is under way."""
        with self._ready_lock:
            last, started = self._ready, None
            now = time.monotonic()
            if (last is None or now - last[0] > READY_TTL) and self._checking is None:
                started = self._checking = asyncio.run_coroutine_threadsafe(self._check_ready(), self._loop)
        if started is not None:
            # Outside the lock: a check that has already ended runs the callback here, at once.
            started.add_done_callback(lambda done: self._checked(now, done))
        if last is not None:
            return last[1]
        if started is None:
            return False, "the first check that Ring answers is under way"
        try:
            return started.result()
        except BaseException:  # cancelled by close(), or the check itself failed: told by _checked
            started.cancel()
            with self._ready_lock:
                return self._ready[1] if self._ready is not None else (False, "Ring's check did not end")

    def _checked(self, started: float, done: Future[tuple[bool, str]]) -> None:
        """Keep a readiness check's result (a check that failed unexpectedly says so)."""
        if done.cancelled():
            result = (False, "Ring's check was cancelled")
        elif (error := done.exception()) is not None:
            _LOGGER.error("the readiness check failed unexpectedly", exc_info=error)
            result = (False, f"the readiness check failed unexpectedly ({type(error).__name__})")
        else:
            result = done.result()
        with self._ready_lock:
            self._ready, self._checking = (started, result), None

    def first_look(self, announced: Announced, *, within: float) -> None:
        """Fetch Ring's picture of an announced event in the background and hand it to the
        pipeline as the event's SNAPSHOT stage (download.first_look); returns at once. Nothing
        with SNAPSHOTS=never."""
        if self.settings.snapshots != "never" and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._start_first_look, announced, within)

    def _start_first_look(self, announced: Announced, within: float) -> None:
        task = self._loop.create_task(self._first_look(announced, within))
        self._looks.add(task)  # held, or the loop may collect it; closing cancels the rest
        task.add_done_callback(self._looks.discard)

    async def _first_look(self, announced: Announced, within: float) -> None:
        try:
            source = self._get_source()
            await first_look(
                source, self._saver(), announced, zone=self.settings.zone, policy=self._policy, within=within
            )
        except (ConnectorError, OSError) as ex:
            _LOGGER.warning("first look at %s's event failed: %s", announced.device_id, ex)
        except Exception:  # a bug must not end the loop's other work
            _LOGGER.exception("first look at %s's event failed unexpectedly", announced.device_id)

    def start_push(self, on_push: Callable[[Pushed], None]) -> bool:
        """Listen to Ring's pushes (consumer API with RING_PUSH), each handed to `on_push` in the
        Connector's loop; False when there is no push to listen to."""
        if self.settings.source != "consumer" or not self.settings.push:
            return False
        self._run(self._start_push(on_push))
        return True

    async def _start_push(self, on_push: Callable[[Pushed], None]) -> None:
        source = self._get_source()
        if self._push_task is None:
            self._push = PushListener(self.settings, source, on_push, timing=self._push_timing)
            self._push_task = asyncio.get_running_loop().create_task(self._push.run())

    def stop_push(self) -> None:
        """Stop listening to Ring's pushes (a stopping watcher)."""
        if self._thread.is_alive():
            self._run(self._stop_push())

    async def _stop_push(self) -> None:
        task, self._push_task = self._push_task, None
        if task is not None:
            task.cancel()
            # Whatever ended the task, stopping (and closing the Connector) goes on.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._push = None

    def push_status(self) -> dict[str, Any] | None:
        """How push stands (None: not listening)."""
        return self._push.status() if self._push is not None else None

    def close(self) -> None:
        """Close the HTTP session and stop the loop thread."""
        if not self._thread.is_alive():
            return
        self._run(self._close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()

    def __enter__(self) -> Connector:
        """Use as a context manager that closes on exit."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close."""
        self.close()

    async def _download(
        self,
        window: Any,
        skip: frozenset[str],
        devices: frozenset[str],
        *,
        progress: Progress,
        announced: frozenset[str] = frozenset(),
        dry_run: bool = False,
        wait: bool = True,
    ) -> DayReport:
        job = DayDownload(
            source=self._get_source(),
            saver=self._saver(),
            window=window,
            concurrency=self.settings.download_concurrency,
            inflight=self._inflight,
            pending=self.pending,
            skip=skip,
            only_devices=devices,
            announced=announced,
            dry_run=dry_run,
            progress=progress,
            now=self._now,
            wait_for_preparation=wait,
            stills_only=self.settings.snapshots == "only",
        )
        return await job.run()

    async def _devices(self) -> list[Device]:
        return await self._get_source().devices(every_type=True)

    async def _check_ready(self) -> tuple[bool, str]:
        try:
            await asyncio.wait_for(self._get_source().ping(), timeout=self.settings.http_timeout)
        except ConnectorError as ex:
            return False, str(ex)
        except TimeoutError:
            return False, f"Ring did not answer within {self.settings.http_timeout:g} s"
        return True, "a token is present and Ring answers"

    async def _record(self, device_id: str, seconds: int) -> dict[str, Any]:
        source = self._get_source()
        return await record(source, self._saver(), device_id, seconds, now=self._now, zone=self.settings.zone)

    def _saver(self) -> Saver:
        """How recordings are saved; after `_get_source`, which creates the notifier."""
        return Saver(
            self.feed,
            self._policy,
            source_name=self.settings.source,
            notify=self._notifier.notify if self._notifier else None,
            now=self._now,
            fetch_still=self._fetch_still if self.settings.snapshots != "never" else None,
        )

    async def _fetch_still(self, event: RingEvent, hint: str | None) -> Still | None:
        return await self._get_source().fetch_still(event, hint=hint)

    def _get_source(self) -> Source:
        if self._source is None:
            # Created inside the loop: aiohttp sessions belong to the loop that made them.
            limit = max(self.settings.download_concurrency * 2, 10)
            timeout = self.settings.http_timeout
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=limit),
                # No total deadline (a large recording takes long), but no silent stall either.
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout, sock_read=timeout),
            )
            if self.settings.callback_url:
                self._notifier = Notifier(
                    self.settings.callback_url,
                    self._policy,
                    self.state,
                    self.library,
                    concurrency=self.settings.callback_concurrency,
                    timeout=self.settings.callback_timeout,
                )
            self._starting = asyncio.get_running_loop().create_task(self._start_up())
            self._source = open_source(
                self.settings, self._http, self._policy, wall_clock=lambda: self._now().timestamp()
            )
        return self._source

    async def _close(self) -> None:
        await self._stop_push()
        for look in list(self._looks):
            look.cancel()
        await asyncio.gather(*self._looks, return_exceptions=True)
        if self._notifier is not None:
            await self._notifier.close()
        if self._source is not None:
            await self._source.close()
        if self._http is not None:
            await self._http.close()
        await asyncio.get_running_loop().shutdown_default_executor()

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result()
        except BaseException:
            # Ctrl-C or SIGTERM in the calling thread: the coroutine would go on in the loop
            # until close() destroyed it mid-flight ("Task was destroyed but it is pending").
            future.cancel()
            raise
