"""Downloads that outlive the request: a job runs in the Connector's loop and reports progress."""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ringConnector.download.day import DayReport
from ringConnector.download.progress import Progress
from ringConnector.errors import Busy
from ringConnector.model.days import UTC_SECONDS_FORMAT
from ringConnector.model.events import RingEvent

# Finished jobs are kept for their callers to read; the oldest go first.
KEEP_JOBS = 100
# Jobs running at once (each may run DOWNLOAD_CONCURRENCY downloads); more are refused (429).
MAX_RUNNING_JOBS = 4
# What a refused caller is told to wait (Retry-After, seconds).
BUSY_RETRY_AFTER = 10.0


@dataclass
class Job(Progress):
    """One day's download in the background; also its own progress listener."""

    date: str
    skip: frozenset[str] = frozenset()  # with the date, what makes two jobs the same run
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: str = "running"  # running, done (even with failed events), failed (could not run)
    events_total: int | None = None  # known once the history has been read
    events_done: int = 0
    events_failed: int = 0
    bytes: int = 0
    downloaded: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def planned(self, events: list[RingEvent]) -> None:
        """The history is read: now the total is known."""
        with self._lock:
            self.events_total = len(events)

    def transferred(self, size: int) -> None:
        """Bytes written so far."""
        with self._lock:
            self.bytes += size

    def finished(self, event: RingEvent, body: dict[str, Any] | None, error: str | None) -> None:
        """One event done."""
        with self._lock:
            self.events_done += 1
            if body is not None:
                self.downloaded.append(body)
            elif error is not None:
                self.events_failed += 1

    def ended(self, report: DayReport | None, error: str | None) -> None:
        """The job is over: with its report, or with the error that stopped it."""
        with self._lock:
            self.state = "done" if report is not None and report.fatal is None else "failed"
            self.error = error or (str(report.fatal) if report and report.fatal else None)
            if report is not None:
                self.events_total = self.events_total or 0
                self.events_failed = len([f for f in report.failed if f.ring_id])
            self.finished_at = time.time()

    def snapshot(self) -> dict[str, Any]:
        """The job as the API answers it."""
        with self._lock:
            return {
                "id": self.id,
                "date": self.date,
                "state": self.state,
                "eventsTotal": self.events_total,
                "eventsDone": self.events_done,
                "eventsFailed": self.events_failed,
                "bytes": self.bytes,
                "downloaded": list(self.downloaded),
                "error": self.error,
                "startedAt": _iso(self.started_at),
                "finishedAt": _iso(self.finished_at) if self.finished_at else None,
            }


class JobBook:
    """The Connector's jobs, newest last: every running one, and the last KEEP_JOBS finished."""

    def __init__(self) -> None:
        """No jobs yet."""
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, date: str, skip: frozenset[str]) -> tuple[Job, bool]:
        """The running job for this date and skip list, or a new one: (job, is_new). A new one
        beyond MAX_RUNNING_JOBS is refused with Busy (429, Retry-After)."""
        with self._lock:
            running = [job for job in self._jobs.values() if job.state == "running"]
            for job in running:
                if (job.date, job.skip) == (date, skip):
                    return job, False  # the same download is under way: share it
            if len(running) >= MAX_RUNNING_JOBS:
                raise Busy(
                    f"{len(running)} downloads are running in the background; try again shortly",
                    retry_after=BUSY_RETRY_AFTER,
                )
            job = Job(date=date, skip=skip)
            self._jobs[job.id] = job
            finished = [job_id for job_id, kept in self._jobs.items() if kept.state != "running"]
            for job_id in finished[: max(0, len(finished) - KEEP_JOBS)]:
                del self._jobs[job_id]  # the oldest finished ones; a running job is never forgotten
            return job, True

    def get(self, job_id: str) -> Job | None:
        """A job by id."""
        with self._lock:
            return self._jobs.get(job_id)


def _iso(moment: float) -> str:
    return time.strftime(UTC_SECONDS_FORMAT, time.gmtime(moment))
