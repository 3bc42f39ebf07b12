"""Saving one recording: every attempt into one temporary file, then the video, then its event JSON.

The one sequence every download goes through, a day's events and record on demand alike:
retry the attempts under the policy, commit the video, write the event JSON under its next
sequence number (from then on the event counts as downloaded, and is in the change feed), hand
it to the callback, count it, log one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ringConnector.metrics import BYTES_DOWNLOADED, EVENT_TO_FILE, EVENTS_DOWNLOADED
from ringConnector.model.days import DayWindow
from ringConnector.model.events import RingEvent, event_json
from ringConnector.retry import RetryPolicy
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.feed import ChangeFeed
from ringConnector.storage.library import EventLibrary

_LOGGER = logging.getLogger(__name__)
# One attempt at writing a recording into the temporary file; returns extra event JSON fields.
Attempt = Callable[[AtomicFile], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Saver:
    """Where and how recordings are saved; shared by every download of a Connector."""

    feed: ChangeFeed  # where event JSON is written, numbered (and queued for the callback)
    policy: RetryPolicy
    source_name: str = "consumer"
    notify: Callable[[dict[str, Any]], None] | None = None  # CALLBACK_URL delivery
    on_write: Callable[[int], None] | None = None  # progress: bytes written (negative: undone)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # the Connector's clock

    @property
    def library(self) -> EventLibrary:
        """DATA_DIR/videos."""
        return self.feed.library

    async def save_recording(
        self,
        event: RingEvent,
        window: DayWindow,
        attempt: Attempt,
        *,
        slot: asyncio.Semaphore | None = None,
    ) -> dict[str, Any]:
        """Fetch `event`'s recording with `attempt` until it succeeds or the policy gives up, and
        save it; returns the event JSON. Nothing is left under a final name on failure.

        `slot`, if given, is held for an attempt only, not while waiting to retry: a recording
        Ring is still preparing must not hold up the others.
        """
        stem = event.file_stem(window)
        started = time.monotonic()
        out = await asyncio.to_thread(self.library.open_video, stem)
        out.on_write = self.on_write

        async def one() -> dict[str, Any]:
            async with slot or contextlib.nullcontext():
                return await attempt(out)

        try:
            extra, attempts = await self.policy.run(
                one,
                what=f"event {event.id}",
                waited=lambda: event.preparing_for(self.now()),
            )
            await asyncio.to_thread(out.commit)
        except BaseException:
            out.discard()
            raise
        body = event_json(event, window, self.library.video_path(stem))
        body.update(extra)
        # The outbox row (when there is a callback) and the feed's row commit with the JSON that
        # marks the event downloaded; a crash between the file and the commit leaves a file the
        # feed's reconcile() indexes and queues then: never a downloaded event nobody is told of.
        body = await asyncio.to_thread(self.feed.write, stem, body, queue=self.notify is not None)
        EVENT_TO_FILE.observe(max(0.0, (self.now() - event.created_at).total_seconds()))
        if self.notify is not None:
            self.notify(body)
        EVENTS_DOWNLOADED.labels(self.source_name).inc()
        BYTES_DOWNLOADED.labels(self.source_name).inc(out.written)
        _LOGGER.info(
            "downloaded event %s (%s, %s): %d bytes in %.1f s, %d attempt(s)",
            event.id,
            event.device.name,
            body["eventName"],
            out.written,
            time.monotonic() - started,
            attempts,
            extra={"event_done": event.id},
        )
        return body
