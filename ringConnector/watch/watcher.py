"""The watcher: one per account (a lock in DATA_DIR), polling today's history through the
Connector's idempotent day download, woken early by webhooks, and draining the callback outbox.

Polling is what guarantees nothing is missed: an announcement (webhook, and later push) only
makes the next read come sooner. An event is fetched once and its JSON written once however
often it is announced, because every read goes through the same day download, which skips the
events whose JSON is on disk.

A webhook names a device and a moment, not a history event (docs/ring-apis.md §2.10): each
announcement is kept until a history event of that device starting within MATCH_WINDOW of it is
on disk, and re-read for, that device only, as Ring lists and prepares it (every FAST_RECHECK
for FAST_WINDOW, then a quarter of the time since), for up to WATCH_MAX_WAIT. Announcements are
kept in the state database too, so one answered 204 survives a restart.

A round that fails, whatever failed (the state database locked or gone, DATA_DIR full, Ring, a
bug), is told once, counted, and tried again with backoff, so the watcher resumes by itself once
the cause is gone. Only the loop failing outside a round stops it (`on_stopped` is told, and the
server exits non-zero for its service manager to restart it); a round silent for `hung_after`
seconds is hung, which readiness and the service manager's watchdog (watch.watchdog) tell.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ringConnector.connector import Connector
from ringConnector.download.day import NOT_READY, DayReport
from ringConnector.download.first_look import Announced
from ringConnector.download.progress import Progress
from ringConnector.errors import ConfigError, ConnectorError, DataDirUnwritable
from ringConnector.metrics import EVENTS_FOUND, PUSH_MESSAGES, WATCH_FAILED_ROUNDS, WATCH_ROUND_FAILURES
from ringConnector.model.days import day_text, parse_ring_time, utc_text
from ringConnector.model.events import RingEvent
from ringConnector.sources.consumer.push import Pushed
from ringConnector.storage.data_dir import check_writable
from ringConnector.storage.state_db import BUSY_TIMEOUT, StateDatabaseError

_LOGGER = logging.getLogger(__name__)
LOCK_NAME = ".watch.lock"
# How soon after an announcement the extra read comes (Ring lists the event within seconds).
ANNOUNCE_DELAY = 2.0
# An announced event Ring is still preparing is looked for this often (one history page of its
# device each time) ...
FAST_RECHECK = 1.5
# ... for this long after the announcement: Ring prepares most recordings in 50-90 s
# (docs/ring-apis.md §3); later ones are looked for a quarter of their wait at a time.
FAST_WINDOW = 120.0
# How long stopping waits for the round under way.
STOP_GRACE = 5.0
# A webhook's timestamp and its history event's start: "within a few seconds" (docs/ring-apis.md
# §2.10; how close they really are has no source: an assumption with room to spare).
MATCH_WINDOW = 10.0
# A failed round is tried again after this, doubling up to the poll interval (and RETRY_MOST): a
# released lock, a freed disk or a database file made anew is noticed within that.
RETRY_FIRST = 1.0
RETRY_MOST = 60.0
# A round is hung when nothing has happened in it (no bytes written, no event finished) for this
# long at least; more with a long RETRY_MAX_WAIT (`Watcher.hung_after`).
HUNG_AFTER = 300.0


@dataclass
class _Announcement:
    """Something said an event of `device_id` (at `at`, if it said when) may be new."""

    device_id: str
    at: datetime | None
    how: str  # "webhook", "push"
    received: float  # the watcher's clock
    ring_id: str | None = None  # when the announcement names the event (a push does)
    row: int | None = None  # its id in the state database (None: it could not be kept there)

    def matches(self, device_id: str, ring_id: str, created_at: datetime) -> bool:
        """Tell whether a history event is the one announced."""
        if device_id != self.device_id:
            return False
        if self.ring_id is not None:
            return ring_id == self.ring_id
        # Told no moment: the device's next event is the one.
        return self.at is None or abs((created_at - self.at).total_seconds()) <= MATCH_WINDOW


class WatcherBusy(ConfigError):
    """Another watcher holds this DATA_DIR's lock."""


class WatcherStopped(ConnectorError):
    """The watcher's loop failed outside a round: it cannot go on (the process exits non-zero)."""


def failure_cause(error: BaseException) -> str:
    """What failed a round, for the metric's label: database, disk, ring or bug."""
    if isinstance(error, DataDirUnwritable):
        return "disk"
    if isinstance(error, ConnectorError):
        return "ring"
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return "disk"
    if isinstance(error, StateDatabaseError):
        return "database"
    return "disk" if isinstance(error, OSError) else "bug"


def describe(error: BaseException) -> str:
    """An error in one line: its own words, without Python's "[Errno 5]"."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    if isinstance(error, ConnectorError):
        return str(error)
    return f"{type(error).__name__}: {error}"


@dataclass
class _Seen:
    """What the watcher has done, for GET /connector/watch."""

    started: str | None = None
    last_poll: str | None = None
    last_error: str | None = None
    polls: int = 0
    found: dict[str, int] = field(default_factory=lambda: {"poll": 0, "webhook": 0, "push": 0})
    pending: list[dict[str, str]] = field(default_factory=list)
    last_announcement: dict[str, Any] | None = None
    failed_rounds: int = 0  # in a row: 0 once a round succeeds
    retrying_since: str | None = None  # when the rounds began to fail


class Watcher:
    """Watches the account of one Connector until stopped."""

    def __init__(
        self,
        connector: Connector,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] | None = None,
        on_report: Callable[[DayReport], None] | None = None,
        on_stopped: Callable[[], None] | None = None,
    ) -> None:
        """Nothing runs until `start()` (a thread) or `cycle()` (one round, for tests).
        `on_stopped` is told (in the watcher's thread) when the loop ends other than by `stop()`."""
        self.connector = connector
        self.settings = connector.settings
        self._clock = clock
        self._wall = wall_clock or connector.now
        self._on_report = on_report  # told of each round's download (startDownload.py prints it)
        self._lock = FileLock(str(Path(self.settings.data_dir) / LOCK_NAME), thread_local=False)
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._ended = threading.Event()  # the loop has ended
        self._seen = _Seen()
        self._awaiting: list[_Announcement] = []  # announced events not yet on disk
        self._incoming: list[Pushed] = []  # pushes the loop handed on, not yet looked at
        self._recheck: frozenset[str] = frozenset()  # devices the next timed round reads (empty: all)
        self._state_lock = threading.Lock()
        self._woken: set[str | None] = set()  # devices announced since the last round (None: unknown)
        self._last_full = float("-inf")  # when a round last read every device (clock)
        self._loaded = False  # the announcements kept by earlier runs are taken up (first round)
        self.on_stopped = on_stopped
        self.failure: str | None = None  # why the loop stopped, if not by stop()
        self._told: str | None = None  # the round failure last logged (each is logged once)
        self._round_started: float | None = None  # clock: the round under way began then
        self._beat = clock()  # clock: the last sign of life (a round began or ended, bytes, an event)
        self._progress = _Beating(self)

    # --- life cycle -----------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the account's watch lock, or raise WatcherBusy at once."""
        Path(self.settings.data_dir).mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            raise WatcherBusy(
                f"another watcher is running on {self.settings.data_dir} (its lock {LOCK_NAME} is held)"
            ) from None

    def start(self) -> None:
        """Take the lock, listen to Ring's pushes (consumer API, RING_PUSH) and watch in a
        background thread."""
        self.acquire()
        self.connector.start_push(self.pushed)
        self._thread = threading.Thread(target=self.run, name="watcher", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Block until the loop started by `start()` ends (after `stop()`, or if it failed); a
        signal (Ctrl-C) interrupts the wait. (Not Thread.join: CPython 3.11 marks a thread
        whose join a signal interrupted as ended while it still runs, and then stop() would
        not wait for its round.)"""
        if self._thread is not None:
            self._ended.wait()

    def run(self) -> None:
        """Watch until `stop()`. Should the loop itself fail (a round's failures are retried), the
        watcher cannot go on: `failure` says why and `on_stopped` is told."""
        try:
            self._watch()
        except Exception as ex:
            self.failure = f"the watcher failed outside a round ({describe(ex)})"
            _LOGGER.critical("%s; it cannot go on", self.failure, exc_info=True)
        finally:
            if not self._stopping.is_set():
                self.failure = self.failure or "the watcher's loop ended unexpectedly"
                if self.on_stopped is not None:
                    self.on_stopped()
            _LOGGER.info("watcher stopped")
            self._ended.set()

    def _watch(self) -> None:
        """A round, then wait for the next poll, a recheck or an announcement; a failed round is
        tried again after a backoff (an announcement cuts it short)."""
        with self._state_lock:
            self._seen.started = utc_text(self._wall())
        _LOGGER.info("watching: a poll every %g s", self.settings.watch_poll_interval)
        devices: frozenset[str] = frozenset()
        while not self._stopping.is_set():
            self._round_started = self._beat = self._clock()
            try:
                delay = self.cycle(devices)
            except Exception as ex:  # whatever failed the round: told once, counted, tried again
                if self._stopping.is_set():
                    break  # cut short by stop() (the Connector closing under it): not a failure
                delay = self._round_failed(ex)
                devices = frozenset()
            else:
                self._round_succeeded()
                devices = self._recheck  # what a timed round comes back for (cycle reads all when due)
            finally:
                self._round_started, self._beat = None, self._clock()
            woken = self._wait(delay)
            if woken is not None:
                # The announced devices only; every device when one was not named.
                devices = frozenset() if None in woken else frozenset(d for d in woken if d is not None)

    def _round_failed(self, error: Exception) -> float:
        """Count a failed round, log it unless the same failure was just logged, and return the
        backoff before the next try."""
        cause, message = failure_cause(error), describe(error)
        WATCH_ROUND_FAILURES.labels(cause).inc()
        with self._state_lock:
            seen = self._seen
            seen.failed_rounds += 1
            seen.retrying_since = seen.retrying_since or utc_text(self._wall())
            seen.last_error = message
            failed = seen.failed_rounds
        WATCH_FAILED_ROUNDS.set(failed)
        delay = min(RETRY_FIRST * 2.0 ** min(failed - 1, 16), self.settings.watch_poll_interval, RETRY_MOST)
        if message != self._told:
            self._told = message
            _LOGGER.error(
                "watch round failed (%s): %s; tried again in %g s, then with backoff until it succeeds",
                cause,
                message,
                delay,
                exc_info=error if cause == "bug" else None,  # a bug's traceback, once
            )
        return delay

    def _round_succeeded(self) -> None:
        """After failed rounds: say the watcher is back, once."""
        with self._state_lock:
            failed, since = self._seen.failed_rounds, self._seen.retrying_since
            self._seen.failed_rounds, self._seen.retrying_since, self._seen.last_error = 0, None, None
        self._told = None
        if failed:
            WATCH_FAILED_ROUNDS.set(0)
            _LOGGER.info("watching again: a round succeeded after %d failed since %s", failed, since)

    def _wait(self, delay: float) -> set[str | None] | None:
        """Wait up to `delay` s; the devices announced, if an announcement cut it short. Pushes for
        events on disk already are taken in passing, and do not cut it short."""
        deadline = self._clock() + delay
        while not self._stopping.is_set():
            if not self._wake.wait(timeout=max(0.0, deadline - self._clock())):
                return None  # the timed round
            self._wake.clear()
            self._take_pushes()
            with self._state_lock:
                announced = bool(self._woken)
            if announced and not self._stopping.is_set():
                self._stopping.wait(ANNOUNCE_DELAY)  # let Ring list what was announced
                with self._state_lock:
                    woken, self._woken = self._woken, set()
                return woken
        return None

    def stop(self) -> None:
        """Stop listening to pushes, stop the loop (after the round under way) and release the lock."""
        self._stopping.set()
        self._wake.set()
        self.connector.stop_push()
        if self._thread is not None:
            # A round may be in a download whose storage still answers 404 (RETRY_MAX_WAIT): it
            # is not waited for. Nothing is lost: its event is not marked downloaded, and its
            # callback (if queued) stays in the outbox, so the next start takes both up again.
            self._ended.wait(timeout=STOP_GRACE)
        if self._lock.is_locked:
            self._lock.release()

    @property
    def running(self) -> bool:
        """Tell whether the loop is running."""
        return self._thread is not None and not self._ended.is_set()

    # --- producers ------------------------------------------------------------------------

    def announce(
        self,
        device_id: str | None,
        *,
        how: str,
        at: datetime | None = None,
        ring_id: str | None = None,
        request_id: str | None = None,
        kind: str = "ding",
        snapshot_uuid: str | None = None,
    ) -> bool:
        """Something says there may be a new `kind` event (of `device_id`, at `at`): keep that in
        the state database, take a first look at it (Ring's picture, at once: SNAPSHOTS), read
        history soon, and again until that event is on disk. A webhook's `request_id` is
        remembered with it; False for one remembered before (a duplicate).

        A webhook's announcement that cannot be kept raises OSError (it is answered 503, and Ring
        retries it); a push's is kept in memory only (polling finds its event all the same)."""
        row = None
        state = self.connector.state
        try:
            if device_id is not None:
                at_s = at.timestamp() if at is not None else None
                kept = state.announce(device_id, how=how, at=at_s, ring_id=ring_id, request_id=request_id)
                if kept is None:
                    return False
                row = kept.id
            elif request_id is not None and not state.remember(request_id):
                return False
        except OSError as ex:
            if request_id is not None:
                raise
            _LOGGER.warning("the %s for %s is kept in memory only: %s", how, device_id, ex)
        with self._state_lock:
            if device_id is not None:
                self._awaiting.append(_Announcement(device_id, at, how, self._clock(), ring_id, row))
            self._woken.add(device_id)
            self._seen.last_announcement = {
                "how": how,
                "deviceId": device_id,
                "at": utc_text(at) if at else None,
                "received": utc_text(self._wall()),
            }
        self._wake.set()
        if device_id is not None and at is not None:
            announced = Announced(device_id, kind, at, ring_id, snapshot_uuid)
            self.connector.first_look(announced, within=MATCH_WINDOW)
        return True

    def _load_announcements(self) -> bool:
        """Take up what earlier runs were told and had not found yet (their ages kept); False
        when the state database cannot be read now (the next round tries again)."""
        try:
            rows = self.connector.state.announcements()
        except OSError as ex:
            _LOGGER.warning("announcements kept by an earlier run not read: %s", ex)
            return False
        now, wall = self._clock(), self._wall().timestamp()
        loaded = [
            _Announcement(
                row.device_id,
                datetime.fromtimestamp(row.at, UTC) if row.at is not None else None,
                row.how,
                now - max(0.0, wall - row.received),
                row.ring_id,
                row.id,
            )
            for row in rows
        ]
        with self._state_lock:
            known = {a.row for a in self._awaiting}
            self._awaiting += [a for a in loaded if a.row not in known]
        return True

    def pushed(self, push: Pushed) -> None:
        """A consumer API push (called in the Connector's loop: it only queues it for the
        watcher's thread, which reads the disk). Kinds not downloaded are ignored at once."""
        if push.kind not in self.settings.event_kinds:
            PUSH_MESSAGES.labels("ignored").inc()
            return
        with self._state_lock:
            self._incoming.append(push)
        self._wake.set()

    def _take_pushes(self) -> None:
        """Announce the queued pushes, but for events already on disk (a push replayed after a
        reconnect, or a battery doorbell's second one once the first was fetched)."""
        with self._state_lock:
            pushes, self._incoming = self._incoming, []
        for push in pushes:
            if push.ring_id is not None and self.connector.library.read(push.ring_id) is not None:
                PUSH_MESSAGES.labels("replayed").inc()
                _LOGGER.debug("push for event %s, already downloaded: nothing to do", push.ring_id)
                continue
            self.announce(
                push.device_id,
                how="push",
                at=push.created_at,
                ring_id=push.ring_id,
                kind=push.kind,
                snapshot_uuid=push.snapshot_uuid,
            )

    # --- one round ------------------------------------------------------------------------

    def cycle(self, devices: frozenset[str] = frozenset()) -> float:
        """Download what is new today (and yesterday just after midnight) on `devices` (ids; all
        when empty, or when the last full round is a poll interval old), deliver what the
        outbox holds; return the seconds until the next round.

        Raises what failed the round (the loop tries it again): DATA_DIR full or unwritable or the
        state database unusable (checked first, before Ring is asked anything), a day's download
        failing or Ring refusing the token (after the other day and the outbox had their turn)."""
        check_writable(self.settings.data_dir, self.settings.videos_dir)
        self.connector.state.check()  # locked beyond its busy timeout, gone read-only, full
        if not self._loaded:
            self._loaded = self._load_announcements()
        if not devices or self._clock() - self._last_full >= self.settings.watch_poll_interval:
            devices = frozenset()
            self._last_full = self._clock()
        now = self._wall()
        today = self.connector.today()
        days = [today]
        since_midnight = now - datetime.combine(today, datetime.min.time(), self.settings.zone)
        if since_midnight < timedelta(seconds=self.settings.watch_max_wait):
            days.append(today - timedelta(days=1))  # events near midnight finish on the next day
        preparing: list[RingEvent] = []
        failures: list[ConnectorError] = []
        for day in days:
            try:
                report = self.connector.download_day(
                    day, announced=devices, wait=False, progress=self._progress
                )
            except ConnectorError as ex:
                failures.append(ex)
                continue
            if report.fatal is not None:  # the token stopped working: nothing more will download
                failures.append(report.fatal)
            if self._on_report is not None:
                self._on_report(report)
            for body in report.downloaded:
                self._count_found(body)
            preparing += report.preparing
        delay = self._recheck_delay(preparing, now)
        awaited = self._settle_announcements(days)
        if awaited:
            delay = min(delay, *(self._announcement_delay(a) for a in awaited))
        self._recheck = frozenset(a.device_id for a in awaited) | frozenset(e.device.id for e in preparing)
        pending = self._pending({e.id for e in preparing})
        self.connector.drain_callbacks()
        with self._state_lock:
            self._seen.polls += 1
            self._seen.last_poll = utc_text(self._wall())
            self._seen.pending = pending
        if failures:
            raise failures[0]
        return delay

    def _pending(self, preparing: set[str]) -> list[dict[str, str]]:
        """The pending recordings as the state database keeps them (a restart starts from there):
        Ring still preparing them, or listed ready and to be tried again."""
        return [
            {
                "ringId": ring_id,
                "deviceId": device_id,
                "day": day,
                "since": since,
                "state": NOT_READY if ring_id in preparing else "to try again",
            }
            for ring_id, device_id, day, since in self.connector.state.pending_rows()
        ]

    def _count_found(self, body: dict[str, Any]) -> None:
        """Count a downloaded event by what found it: the announcement it matches, else the poll."""
        device, ring_id = str(body.get("deviceId") or ""), str(body.get("ringId") or "")
        created = _created_at(body)
        with self._state_lock:
            match = next((a for a in self._awaiting if created and a.matches(device, ring_id, created)), None)
            how = match.how if match is not None else "poll"
            self._seen.found[how] += 1
        EVENTS_FOUND.labels(how).inc()

    def _settle_announcements(self, days: list[Any]) -> list[_Announcement]:
        """Drop the announcements whose event is on disk (or too old to wait for); return the rest."""
        with self._state_lock:
            awaiting = list(self._awaiting)
        if not awaiting:
            return []
        on_disk = [body for day in days for body in self.connector.library.day(day_text(day))]
        kept = []
        for announcement in awaiting:
            if any(
                (created := _created_at(body)) is not None
                and announcement.matches(str(body.get("deviceId")), str(body.get("ringId")), created)
                for body in on_disk
            ):
                continue
            if self._clock() - announcement.received >= self.settings.watch_max_wait:
                _LOGGER.warning(
                    "watch: the %s for %s at %s matched no event within WATCH_MAX_WAIT; polling goes on",
                    announcement.how,
                    announcement.device_id,
                    utc_text(announcement.at) if announcement.at else "an unknown time",
                )
                continue
            kept.append(announcement)
        with self._state_lock:
            # Announcements that came during this round stay.
            self._awaiting = kept + [a for a in self._awaiting if a not in awaiting]
        settled = [a.row for a in awaiting if a not in kept and a.row is not None]
        if settled:
            try:
                self.connector.state.settle(settled)
            except OSError as ex:  # they are dropped again by the next start, as too old or found
                _LOGGER.warning("settled announcements not removed from the state database: %s", ex)
        return kept

    def _announcement_delay(self, announcement: _Announcement) -> float:
        """Come back for an announced event not on disk yet every FAST_RECHECK for FAST_WINDOW
        after its announcement (Ring typically has it ready within that: a push is meant to be
        fast, and these reads are for that device only), then after a quarter of the time since
        (the preparation rule)."""
        since = self._clock() - announcement.received
        if since < FAST_WINDOW:
            return FAST_RECHECK
        return max(ANNOUNCE_DELAY, self.connector.policy.preparation_delay(since))

    def _recheck_delay(self, preparing: list[RingEvent], now: datetime) -> float:
        """While Ring prepares a recording, come back after a quarter of its age (the one rule,
        RetryPolicy.preparation_delay), for up to WATCH_MAX_WAIT after the event; after that it
        waits among the pending recordings for the polls as usual."""
        ages = [event.preparing_for(now) for event in preparing]
        # A negative age is an event from the future by our clock: its age is unknown.
        young = [age for age in ages if 0 <= age < self.settings.watch_max_wait]
        delays = [self.connector.policy.preparation_delay(age) for age in young]
        return min([float(self.settings.watch_poll_interval), *delays])

    @property
    def hung_after(self) -> float:
        """Seconds without a sign of life after which a round is hung: beyond what one stalled
        transfer (HTTP_TIMEOUT), a recording's retries (RETRY_MAX_WAIT) and a locked database
        (its busy timeout) can take."""
        settings = self.settings
        return max(HUNG_AFTER, settings.retry_max_wait + 4 * settings.http_timeout + 2 * BUSY_TIMEOUT)

    def state(self) -> tuple[str, str | None]:
        """("watching", None); ("retrying", why); ("hung", why); or ("stopped", why)."""
        if not self.running:
            return "stopped", self.failure or "the watcher is not running"
        started, silent = self._round_started, self._clock() - self._beat
        if started is not None and silent > self.hung_after:
            since = utc_text(self._wall() - timedelta(seconds=self._clock() - started))
            return "hung", f"the watcher's round begun at {since} has shown no progress for {silent:.0f} s"
        with self._state_lock:
            seen = self._seen
            if seen.failed_rounds:
                return "retrying", (
                    f"the watcher is retrying since {seen.retrying_since} ({seen.failed_rounds} failed "
                    f"round(s)); last error: {seen.last_error}"
                )
        return "watching", None

    def status(self) -> dict[str, Any]:
        """What GET /connector/watch answers."""
        push = self.push_status()  # before the lock: it takes the lock itself
        state, _ = self.state()
        try:
            outbox: int | None = self.connector.undelivered_callbacks()  # SQLite: outside the lock
        except OSError:
            outbox = None  # the state database cannot be read now: lastError says why
        with self._state_lock:
            seen = self._seen
            return {
                "running": self.running,
                "state": state,
                "since": seen.started,
                "lastPoll": seen.last_poll,
                "lastError": seen.last_error,
                "retryingSince": seen.retrying_since,
                "failedRounds": seen.failed_rounds,
                "polls": seen.polls,
                "pollInterval": self.settings.watch_poll_interval,
                "found": dict(seen.found),
                "pending": list(seen.pending),
                "lastAnnouncement": seen.last_announcement,
                "awaiting": [
                    {"how": a.how, "deviceId": a.device_id, "at": utc_text(a.at) if a.at else None}
                    for a in self._awaiting
                ],
                "push": push,
                "outbox": outbox,
            }

    def push_status(self) -> dict[str, Any]:
        """How Ring tells the watcher of new events besides polling: `state` is "webhooks"
        (Partner API: Ring POSTs them; nothing to be connected), the consumer listener's state
        ("starting", "connected", "down"), or "off" (no push: polling only)."""
        if self.settings.source == "partner":
            with self._state_lock:
                last = self._seen.last_announcement
            return {"state": "webhooks", "lastMessage": last["received"] if last else None}
        polling = f"new events are found by polling every {self.settings.watch_poll_interval:g} s"
        listening = self.connector.push_status()
        if listening is None:
            why = "RING_PUSH=false" if not self.settings.push else "the watcher is not running"
            return {"state": "off", "reason": f"{why}: {polling}"}
        if listening["state"] != "connected":
            listening["reason"] = f"{listening.get('lastError') or 'not connected yet'}: {polling}"
        return listening


class _Beating(Progress):
    """A round's download telling the watcher it is alive: bytes written, an event done."""

    def __init__(self, watcher: Watcher) -> None:
        self._watcher = watcher

    def planned(self, events: list[RingEvent]) -> None:
        """History was read."""
        self._watcher._beat = self._watcher._clock()

    def transferred(self, size: int) -> None:
        """Bytes were written."""
        self._watcher._beat = self._watcher._clock()

    def finished(self, event: RingEvent, body: dict[str, Any] | None, error: str | None) -> None:
        """An event is done."""
        self._watcher._beat = self._watcher._clock()


def _created_at(body: dict[str, Any]) -> datetime | None:
    """An event JSON's createdAt as an aware moment (None if unreadable)."""
    try:
        return parse_ring_time(str(body.get("createdAt")))
    except ValueError:
        return None
