"""CALLBACK_URL: each newly downloaded event's JSON is POSTed to the pipeline at least once.

Callbacks have HTTP connections of their own (CALLBACK_CONCURRENCY at once, each POST bounded by
CALLBACK_TIMEOUT): a receiver that never answers, answers slowly or holds every connection costs
the pipeline its own deliveries, never a download from Ring.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp

from ringConnector.errors import DownloadFailed, TransientError
from ringConnector.metrics import CALLBACKS_DELIVERED, EVENT_TO_CALLBACK
from ringConnector.retry import RetryPolicy
from ringConnector.sources.http import CALLBACK, network_errors
from ringConnector.storage.library import EventLibrary
from ringConnector.storage.state_db import SNAPSHOT, VIDEO, StateDatabase
from ringConnector.urls import redact

_LOGGER = logging.getLogger(__name__)
# How long closing the connector waits for deliveries still being retried.
CLOSE_GRACE = 30.0
# An outbox row that failed is tried again after 30 s, doubling up to an hour, for a day.
OUTBOX_FIRST_DELAY = 30.0
OUTBOX_MAX_DELAY = 3600.0


class Notifier:
    """Delivers event JSON to CALLBACK_URL in the background, at least once per stage (the
    still's SNAPSHOT callback, then the video's), in that order per event: each is in the outbox
    (storage.state_db) in the transaction that writes it, and stays there until a delivery
    succeeds or it is a day old; `drain()` retries what earlier attempts (or processes) left."""

    def __init__(
        self,
        url: str,
        policy: RetryPolicy,
        outbox: StateDatabase,
        library: EventLibrary,
        *,
        concurrency: int,
        timeout: float,
    ) -> None:
        """POST to `url`, at most `concurrency` at once and each within `timeout` s, retrying
        under `policy`; remember in `outbox`. Made in the Connector's loop (aiohttp's session
        belongs to the loop that made it)."""
        self.url = url
        self._http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency),
            timeout=aiohttp.ClientTimeout(total=timeout),
        )
        # Held for one POST only (not while waiting to retry), and taken before a connection is:
        # a delivery queued behind slow ones waits here, not inside its own timeout.
        self._slots = asyncio.Semaphore(concurrency)
        self._policy = policy
        self.outbox = outbox
        self._library = library
        self._pending: set[asyncio.Task[Any]] = set()
        self._inflight: dict[str, str] = {}  # ring id -> the stage being delivered
        self._queued: dict[str, list[tuple[str, dict[str, Any], int]]] = {}  # next, per event
        self._failing = False  # a delivery failed since the last success: rows wait in the outbox

    def notify(self, body: dict[str, Any], stage: str = VIDEO) -> None:
        """Start delivering one event JSON whose outbox row is written (from the loop); after the
        event's delivery under way, if there is one (the same stage under way: that one is sent,
        read from disk)."""
        self._deliver_in_turn(str(body.get("ringId")), stage, body, attempts=0, retrying=True)

    async def drain(self, *, waiting_too: bool = False) -> int:
        """Start delivering every outbox row that is due (`waiting_too`: every one, as on
        start-up) whose event JSON is there (the video's on disk, rows of an event whose JSON
        never came, after a crash, wait for its download; the still's in its row); returns how
        many."""
        started = 0
        for row in await asyncio.to_thread(self.outbox.due, waiting_too=waiting_too):
            if self._inflight.get(row.ring_id) == row.stage or self._is_queued(row.ring_id, row.stage):
                continue
            body: dict[str, Any] | None = row.body
            if row.stage == VIDEO:
                # The JSON on disk, not the row's copy: a download may have rewritten both since
                # the row was read, and notify() may have started its delivery meanwhile.
                body = await asyncio.to_thread(self._library.read, row.ring_id)
            if body is None or self._inflight.get(row.ring_id) == row.stage:
                continue
            self._deliver_in_turn(row.ring_id, row.stage, body, attempts=row.attempts, retrying=False)
            started += 1
        return started

    def _is_queued(self, ring_id: str, stage: str) -> bool:
        return any(queued == stage for queued, _, _ in self._queued.get(ring_id, []))

    def _deliver_in_turn(
        self, ring_id: str, stage: str, body: dict[str, Any], *, attempts: int, retrying: bool
    ) -> None:
        under_way = self._inflight.get(ring_id)
        if under_way == stage:
            return
        if under_way is not None:
            if not self._is_queued(ring_id, stage):
                self._queued.setdefault(ring_id, []).append((stage, body, attempts))
            return
        self._inflight[ring_id] = stage
        task = asyncio.get_running_loop().create_task(self._deliver(ring_id, stage, body, attempts, retrying))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        """Wait (a while) for deliveries still under way, then give up on them (they stay queued)."""
        if self._pending:
            _done, late = await asyncio.wait(set(self._pending), timeout=CLOSE_GRACE)
            for task in late:
                task.cancel()
                _LOGGER.warning("a callback to %s was still being retried at shutdown", redact(self.url))
        await self._http.close()

    async def _deliver(
        self, ring_id: str, stage: str, body: dict[str, Any], attempts: int, retrying: bool
    ) -> None:
        what = f"callback for event {ring_id}" + (" (its still)" if stage == SNAPSHOT else "")
        try:
            if retrying:
                await self._policy.run(lambda: self._post(body, what), what=what)
            else:
                await self._post(body, what)
        except (TransientError, DownloadFailed) as ex:
            self._failing = True
            retry_in = min(OUTBOX_MAX_DELAY, OUTBOX_FIRST_DELAY * 2**attempts)
            await asyncio.to_thread(self.outbox.failed, ring_id, retry_in, stage)
            _LOGGER.warning("%s failed (%s); kept in the outbox, next try in %.0f s", what, ex, retry_in)
        else:
            await asyncio.to_thread(self.outbox.delivered, ring_id, stage)
            CALLBACKS_DELIVERED.labels(stage).inc()
            if self._failing:
                # The receiver is back: what waits for its next try goes out now, not in an hour.
                self._failing = False
                self._start_drain()
            created = body.get("createdAt")
            if isinstance(created, str):
                with contextlib.suppress(ValueError):
                    age = datetime.now(UTC) - datetime.fromisoformat(created.replace("Z", "+00:00"))
                    EVENT_TO_CALLBACK.labels(stage).observe(max(0.0, age.total_seconds()))
        finally:
            del self._inflight[ring_id]
            queued = self._queued.pop(ring_id, [])
            if queued:  # the event's next stage, now that this one is done
                next_stage, next_body, next_attempts = queued.pop(0)
                if queued:
                    self._queued[ring_id] = queued
                self._deliver_in_turn(ring_id, next_stage, next_body, attempts=next_attempts, retrying=True)

    def _start_drain(self) -> None:
        task = asyncio.get_running_loop().create_task(self.drain(waiting_too=True))
        self._pending.add(task)  # held, or the loop may collect it; and closing waits for it
        task.add_done_callback(self._pending.discard)

    async def _post(self, body: dict[str, Any], what: str) -> None:
        async with self._slots:
            with network_errors(what, cause="callback"):
                # Never on to wherever a receiver redirects: the event JSON goes to CALLBACK_URL only.
                async with self._http.post(self.url, json=body, allow_redirects=False) as response:
                    if 300 <= response.status < 400:
                        raise DownloadFailed(
                            f"{what}: the receiver redirected (HTTP {response.status}); not sent on elsewhere"
                        )
                    if response.status >= 300:
                        raise CALLBACK.error(response.status, response.headers, what)
