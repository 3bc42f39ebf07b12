"""Saving one recording: every attempt into one temporary file, then the video, its still, then
its event JSON; and an event's still alone, its SNAPSHOT stage (the first look, SNAPSHOTS=only).

The one sequence every download goes through, a day's events and record on demand alike:
retry the attempts under the policy, commit the video, keep a still of it (one already there,
else Ring's picture, else a frame of the video: storage.stills), write the event JSON under its
next sequence number (from then on the event counts as downloaded, and is in the change feed),
hand it to the callback, count it, log one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ringConnector.errors import ConnectorError, NoFootage
from ringConnector.metrics import (
    BYTES_DOWNLOADED,
    EVENT_TO_FILE,
    EVENT_TO_STILL,
    EVENTS_DOWNLOADED,
    STILLS_SAVED,
)
from ringConnector.model.days import DayWindow
from ringConnector.model.events import SNAPSHOT_STATUS, RingEvent, event_json
from ringConnector.retry import RetryPolicy
from ringConnector.storage import stills
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.feed import ChangeFeed
from ringConnector.storage.library import EventLibrary
from ringConnector.storage.state_db import SNAPSHOT, VIDEO
from ringConnector.storage.stills import Still

_LOGGER = logging.getLogger(__name__)
# One attempt at writing a recording into the temporary file; returns extra event JSON fields.
Attempt = Callable[[AtomicFile], Awaitable[dict[str, Any]]]
# One attempt at Ring's still of an event (Source.fetch_still): None when Ring has none.
StillAttempt = Callable[[RingEvent, str | None], Awaitable[Still | None]]
# Beside a video just downloaded, Ring's picture is waited for this long at most: a frame of the
# video serves as well, and the event JSON is not held back for a picture.
STILL_BESIDE_VIDEO_WAIT = 10.0


@dataclass(frozen=True)
class Saver:
    """Where and how recordings are saved; shared by every download of a Connector."""

    feed: ChangeFeed  # where event JSON is written, numbered (and queued for the callback)
    policy: RetryPolicy
    source_name: str = "consumer"
    notify: Callable[[dict[str, Any], str], None] | None = None  # CALLBACK_URL delivery (body, stage)
    on_write: Callable[[int], None] | None = None  # progress: bytes written (negative: undone)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # the Connector's clock
    fetch_still: StillAttempt | None = None  # Ring's picture; None: no stills at all (SNAPSHOTS=never)

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
        if self.fetch_still is not None:
            body.update(await self._still_beside(event, stem, extra))
        # The outbox row (when there is a callback) and the feed's row commit with the JSON that
        # marks the event downloaded; a crash between the file and the commit leaves a file the
        # feed's reconcile() indexes and queues then: never a downloaded event nobody is told of.
        body = await asyncio.to_thread(self.feed.write, stem, body, queue=self.notify is not None)
        EVENT_TO_FILE.observe(max(0.0, (self.now() - event.created_at).total_seconds()))
        if self.notify is not None:
            self.notify(body, VIDEO)
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

    async def ring_still(
        self, event: RingEvent, *, hint: str | None = None, policy: RetryPolicy
    ) -> Still | None:
        """Ring's picture of the event under `policy` (a picture Ring is still making is waited
        for), kept only if a JPEG decoder opens it; None when Ring has none (or gave none in time)."""
        if self.fetch_still is None:
            return None
        fetch = self.fetch_still
        what = f"picture of event {event.id}"
        try:
            still, _ = await policy.run(lambda: fetch(event, hint), what=what)
        except ConnectorError as ex:
            _LOGGER.info("%s: none from Ring (%s)", what, ex)
            return None
        if still is not None and not await asyncio.to_thread(stills.decodes, still.jpeg):
            _LOGGER.warning("%s: Ring's bytes are no picture a decoder opens; not kept", what)
            return None
        return still

    async def save_still_only(self, event: RingEvent, window: DayWindow) -> dict[str, Any]:
        """SNAPSHOTS=only: Ring's picture of the event as its SNAPSHOT stage, no video; NoFootage
        when Ring has none to give (a video's frame needs the video)."""
        still = await self.ring_still(event, policy=self.policy)
        if still is None:
            raise NoFootage(f"event {event.id}: Ring has no picture of it (SNAPSHOTS=only takes no video)")
        written = await self.save_snapshot(event, window, still)
        if written is None:
            raise NoFootage(f"event {event.id}: downloaded already, with its still")
        return written

    async def save_snapshot(self, event: RingEvent, window: DayWindow, still: Still) -> dict[str, Any] | None:
        """The event's SNAPSHOT stage: its still saved beside where its video goes, its event JSON
        (status SNAPSHOT) numbered in the change feed and handed to the callback; None when the
        event has its own JSON already (its video came first, or this stage was written)."""
        stem = event.file_stem(window)
        if await asyncio.to_thread(self.library.json_path(stem).exists):
            return None
        path = self.library.still_path(stem)
        fields = await asyncio.to_thread(stills.save, path, still)
        body = {
            **event_json(event, window, self.library.video_path(stem)),
            **fields,
            "status": SNAPSHOT_STATUS,
        }
        written = await asyncio.to_thread(self.feed.write_snapshot, stem, body, queue=self.notify is not None)
        if written is None:
            return None
        self._count_still(event, still.source)
        if self.notify is not None:
            self.notify(written, SNAPSHOT)
        _LOGGER.info(
            "still of event %s (%s, %s) from %s, %.1f s after it began",
            event.id,
            event.device.name,
            body["eventName"],
            still.source,
            event.preparing_for(self.now()),
            extra={"event_done": event.id},
        )
        return written

    async def _still_beside(self, event: RingEvent, stem: str, extra: dict[str, Any]) -> dict[str, str]:
        """The still of a video just committed: the one on disk (the first look's), else Ring's,
        else a frame of the video at the event's moment. A still that cannot be had costs only
        itself: the video is saved without one."""
        path = self.library.still_path(stem)
        kept = await asyncio.to_thread(stills.saved, path)
        if kept is not None:
            return kept
        quick = replace(self.policy, max_wait=min(self.policy.max_wait, STILL_BESIDE_VIDEO_WAIT))
        still = await self.ring_still(event, policy=quick)
        if still is None:
            at, taken = stills.taken_from_video(event.created_at, extra.get("clipStart"))
            try:
                jpeg = await asyncio.to_thread(stills.frame_of, self.library.video_path(stem), at)
            except ValueError as ex:
                _LOGGER.warning("event %s: no still (%s)", event.id, ex)
                return {}
            still = Still(jpeg, stills.VIDEO_FRAME, taken)
        try:
            fields = await asyncio.to_thread(stills.save, path, still)
        except OSError as ex:  # a full disk: the video is kept, its still is not
            _LOGGER.warning("event %s: its still was not saved (%s)", event.id, ex)
            return {}
        self._count_still(event, still.source)
        return fields

    def _count_still(self, event: RingEvent, source: str) -> None:
        STILLS_SAVED.labels(source).inc()
        EVENT_TO_STILL.observe(max(0.0, event.preparing_for(self.now())))
