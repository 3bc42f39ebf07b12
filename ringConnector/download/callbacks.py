"""CALLBACK_URL: each newly downloaded event's JSON is POSTed to the pipeline at least once."""

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
from ringConnector.storage.state_db import StateDatabase
from ringConnector.urls import redact

_LOGGER = logging.getLogger(__name__)
# How long closing the connector waits for deliveries still being retried.
CLOSE_GRACE = 30.0
# An outbox row that failed is tried again after 30 s, doubling up to an hour, for a day.
OUTBOX_FIRST_DELAY = 30.0
OUTBOX_MAX_DELAY = 3600.0


class Notifier:
    """Delivers event JSON to CALLBACK_URL in the background, at least once: each event is in the
    outbox (storage.state_db) before its JSON is written, and stays there until a delivery
    succeeds or it is a day old; `drain()` retries what earlier attempts (or processes) left."""

    def __init__(
        self,
        url: str,
        http: aiohttp.ClientSession,
        policy: RetryPolicy,
        outbox: StateDatabase,
        library: EventLibrary,
    ) -> None:
        """POST to `url` with `http`, retrying under `policy`; remember in `outbox`."""
        self.url = url
        self._http = http
        self._policy = policy
        self.outbox = outbox
        self._library = library
        self._pending: set[asyncio.Task[None]] = set()
        self._inflight: set[str] = set()

    def notify(self, body: dict[str, Any]) -> None:
        """Start delivering one event whose outbox row and JSON are written (from the loop),
        unless a drain is delivering that JSON already."""
        ring_id = str(body.get("ringId"))
        if ring_id not in self._inflight:
            self._start(ring_id, body, attempts=0, retrying=True)

    async def drain(self, *, waiting_too: bool = False) -> int:
        """Start delivering every outbox row that is due (`waiting_too`: every one, as on
        start-up) and whose event JSON is on disk (rows of an event whose JSON never came, after a
        crash, wait for its download); returns how many."""
        started = 0
        for row in await asyncio.to_thread(self.outbox.due, waiting_too=waiting_too):
            if row.ring_id in self._inflight:
                continue
            # The JSON on disk, not the row's copy: a download may have rewritten both since the
            # row was read, and notify() may have started its delivery meanwhile.
            body = await asyncio.to_thread(self._library.read, row.ring_id)
            if body is None or row.ring_id in self._inflight:
                continue
            self._start(row.ring_id, body, attempts=row.attempts, retrying=False)
            started += 1
        return started

    async def close(self) -> None:
        """Wait (a while) for deliveries still under way, then give up on them (they stay queued)."""
        if self._pending:
            _done, late = await asyncio.wait(set(self._pending), timeout=CLOSE_GRACE)
            for task in late:
                task.cancel()
                _LOGGER.warning("a callback to %s was still being retried at shutdown", redact(self.url))

    def _start(self, ring_id: str, body: dict[str, Any], *, attempts: int, retrying: bool) -> None:
        self._inflight.add(ring_id)
        task = asyncio.get_running_loop().create_task(self._deliver(ring_id, body, attempts, retrying))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, ring_id: str, body: dict[str, Any], attempts: int, retrying: bool) -> None:
        what = f"callback for event {ring_id}"
        try:
            if retrying:
                await self._policy.run(lambda: self._post(body, what), what=what)
            else:
                await self._post(body, what)
        except (TransientError, DownloadFailed) as ex:
            retry_in = min(OUTBOX_MAX_DELAY, OUTBOX_FIRST_DELAY * 2**attempts)
            await asyncio.to_thread(self.outbox.failed, ring_id, retry_in)
            _LOGGER.warning("%s failed (%s); kept in the outbox, next try in %.0f s", what, ex, retry_in)
        else:
            await asyncio.to_thread(self.outbox.delivered, ring_id)
            CALLBACKS_DELIVERED.inc()
            created = body.get("createdAt")
            if isinstance(created, str):
                with contextlib.suppress(ValueError):
                    age = datetime.now(UTC) - datetime.fromisoformat(created.replace("Z", "+00:00"))
                    EVENT_TO_CALLBACK.observe(max(0.0, age.total_seconds()))
        finally:
            self._inflight.discard(ring_id)

    async def _post(self, body: dict[str, Any], what: str) -> None:
        with network_errors(what, cause="callback"):
            # Never on to wherever a receiver redirects: the event JSON goes to CALLBACK_URL only.
            async with self._http.post(self.url, json=body, allow_redirects=False) as response:
                if 300 <= response.status < 400:
                    raise DownloadFailed(
                        f"{what}: the receiver redirected (HTTP {response.status}); not sent on elsewhere"
                    )
                if response.status >= 300:
                    raise CALLBACK.error(response.status, response.headers, what)
