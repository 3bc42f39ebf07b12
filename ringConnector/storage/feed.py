"""The change feed: every event JSON the connector writes gets a sequence number that only grows,
so a pipeline that keeps the last number it processed asks for what came after it
(GET /connector/events?after=...) and never misses one, nor needs a list of what it has.

The number is written into the event JSON (`seq`) and indexed in the state database in one
transaction (storage.state_db.StateDatabase.write_event), so the index shows numbers in order
and only for files that are there. The files are the truth: the index is seeded from them when
the database is new or was lost, and `reconcile()` indexes a file the index lacks (a process
killed between the file and its row) under a new number, so it reaches the feed all the same.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from filelock import Timeout

from ringConnector.storage.library import EventLibrary
from ringConnector.storage.state_db import OUTBOX_KEEP, Found, StateDatabase

_LOGGER = logging.getLogger(__name__)
SEQ = "seq"  # the event JSON's field


@dataclass(frozen=True)
class FeedPage:
    """Events written after a cursor, in write order, and the cursor to ask from next."""

    events: list[dict[str, Any]]
    next: int  # the sequence number of the last event looked at (the cursor given, if none)
    more: bool  # more events were written after `next`


class ChangeFeed:
    """The event JSON of one DATA_DIR, numbered in the order they were written."""

    def __init__(
        self, database: StateDatabase, library: EventLibrary, *, clock: Callable[[], float] = time.time
    ) -> None:
        """Index the files of `library` in `database`; `clock` is the wall clock (file ages)."""
        self.database = database
        self.library = library
        self._clock = clock

    def write(self, stem: str, body: dict[str, Any], *, queue: bool) -> dict[str, Any]:
        """Write an event's JSON under its next sequence number (from then on the event counts as
        downloaded), indexed and, with `queue`, in the callback outbox in the same transaction.
        The caller holds the event's lock. Returns the body as written."""

        def save(seq: int) -> dict[str, Any]:
            written = {**body, SEQ: seq}
            self.library.save_event(stem, written)
            return written

        name = self.library.json_path(stem).name
        written = self.database.write_event(str(body["ringId"]), name, save, queue=queue, seed=self._found)
        assert written is not None  # only `unless_indexed` writes are ever skipped
        return written

    def write_snapshot(self, stem: str, body: dict[str, Any], *, queue: bool) -> dict[str, Any] | None:
        """The SNAPSHOT stage of an event (its still on disk, its video not yet): its event JSON
        numbered and kept in the index (no file: the event JSON file stays the "downloaded"
        marker) and, with `queue`, the outbox. None once the event has a row of its own."""
        still = self.library.still_path(stem).name
        return self.database.write_snapshot(str(body["ringId"]), still, body, queue=queue, seed=self._found)

    def after(self, cursor: int, limit: int) -> FeedPage:
        """The events written after sequence number `cursor`, oldest first, at most `limit`."""
        self.reconcile(queue=False)
        rows = self.database.events_after(cursor, limit + 1)
        events = []
        last = cursor
        for row in rows[:limit]:
            last = row.seq
            body = json.loads(row.body) if row.body is not None else self.library.read_file(row.file)
            if isinstance(body, dict) and str(body.get("ringId")) == row.ring_id:
                events.append({**body, SEQ: row.seq})
        return FeedPage(events, last, more=len(rows) > limit)

    def reconcile(self, *, queue: bool) -> int:
        """Make the index match the files: seed a new database from them, drop rows of files that
        were removed, and index each file the index lacks under a new number (with `queue`, one
        written within the outbox's day is queued for the callback too: its process died before
        it could be). Returns how many files were indexed anew."""
        self.database.seed(self._found)
        # The rows first, then the folder: a row committed after this read is not looked at, and
        # every row read has its file in place by then (rows commit after their files).
        rows = {row.ring_id: row for row in self.database.indexed()}
        on_disk = self.library.index()
        gone = [
            row
            for ring_id, row in rows.items()
            if ring_id not in on_disk
            and (row.body is None or not (self.library.videos_dir / row.file).exists())
        ]
        if gone:
            self.database.forget_events(gone)
        added = 0
        for ring_id, path in sorted(on_disk.items(), key=lambda item: item[1].name):
            known = rows.get(ring_id)
            if known is not None and known.file == path.name:
                continue
            added += self._index_anew(ring_id, path.name, queue=queue)
        if added:
            _LOGGER.warning("%d event file(s) missing from the change feed were added to it", added)
        return added

    def _index_anew(self, ring_id: str, name: str, *, queue: bool) -> int:
        lock = self.library.event_lock(ring_id)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return 0  # being written right now: its writer indexes it
        try:
            body = self.library.read_file(name)
            if body is None:
                return 0
            path = self.library.videos_dir / name
            recent = self._clock() - path.stat().st_mtime < OUTBOX_KEEP

            def save(seq: int) -> dict[str, Any]:
                written = {**body, SEQ: seq}
                self.library.save_event(name.removesuffix(".json"), written)
                return written

            done = self.database.write_event(
                ring_id, name, save, queue=queue and recent, seed=self._found, unless_indexed=True
            )
            return 0 if done is None else 1
        except FileNotFoundError:
            return 0  # removed meanwhile
        finally:
            lock.release()

    def _found(self) -> list[Found]:
        """Every event JSON on disk with the number it was written with (for seeding)."""
        found = []
        for ring_id, path in self.library.index().items():
            body = self.library.read_file(path.name)
            if body is None:
                continue
            seq = body.get(SEQ)
            try:
                modified = path.stat().st_mtime
            except FileNotFoundError:
                continue
            number = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
            found.append(Found(ring_id, path.name, number, modified))
        return found
