"""DATA_DIR/ringconnector.sqlite3: what must survive a restart or `kill -9` beside the files.

The callback outbox (each event JSON POSTed to CALLBACK_URL at least once), the webhook
request ids already seen (Ring may deliver one twice: deduplicate on `meta.request_id`) and the
recordings still pending (listed, not downloaded yet: storage.pending). The event JSON files
stay the "downloaded" marker; this database never decides that.

stdlib sqlite3 in WAL mode, one short transaction per call, a connection per call: safe across
threads and processes (the server and a script may share DATA_DIR).
"""

from __future__ import annotations

import errno
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FILE_NAME = "ringconnector.sqlite3"
# Deliveries are retried until they succeed or are this old (the "a day").
OUTBOX_KEEP = 24 * 3600.0
# Ring retries a webhook for about an hour and may repeat one later: ids are kept 80 h.
WEBHOOK_KEEP = 80 * 3600.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    ring_id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    delivered REAL
);
CREATE TABLE IF NOT EXISTS webhooks (
    request_id TEXT PRIMARY KEY,
    seen REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    ring_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    day TEXT NOT NULL,
    since TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Delivery:
    """One event JSON still to POST."""

    ring_id: str
    body: dict[str, Any]
    created: float
    attempts: int


class StateDatabase:
    """The outbox, the seen webhook ids and the pending recordings, in one SQLite file."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        """Use (and create on first use) the database at `path`; `clock` is the wall clock."""
        self.path = path
        self._clock = clock
        self._ready = False

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """One transaction; SQLite's own failures (a full disk, a broken file) as an OSError, as
        the files beside it fail, so callers handle one kind of storage error."""
        try:
            with self._transaction() as connection:
                yield connection
        except sqlite3.Error as ex:
            full = getattr(ex, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            raise OSError(errno.ENOSPC if full else errno.EIO, f"{self.path.name}: {ex}") from ex

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30.0, isolation_level=None)) as connection:
            if not self._ready:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                self._ready = True
            connection.execute("PRAGMA synchronous=FULL")  # an acknowledged row survives a power cut
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # --- the callback outbox ------------------------------------------------------------

    def put(self, ring_id: str, body: dict[str, Any]) -> None:
        """Queue an event's JSON for delivery (again, if it was downloaded again)."""
        now = self._clock()
        with self._connection() as db:
            db.execute(
                "INSERT INTO outbox (ring_id, body, created, next_try) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(ring_id) DO UPDATE SET body = excluded.body, created = excluded.created, "
                "attempts = 0, next_try = excluded.next_try, delivered = NULL",
                (ring_id, json.dumps(body), now, now),
            )

    def due(self, limit: int = 100, *, waiting_too: bool = False) -> list[Delivery]:
        """Undelivered rows whose next try has come (`waiting_too`: every undelivered row, as
        on start-up), oldest first; expired ones are dropped."""
        now = self._clock()
        with self._connection() as db:
            db.execute("DELETE FROM outbox WHERE created < ?", (now - OUTBOX_KEEP,))
            rows = db.execute(
                "SELECT ring_id, body, created, attempts FROM outbox "
                "WHERE delivered IS NULL AND next_try <= ? ORDER BY created LIMIT ?",
                (float("inf") if waiting_too else now, limit),
            ).fetchall()
        return [Delivery(r[0], json.loads(r[1]), r[2], r[3]) for r in rows]

    def delivered(self, ring_id: str) -> None:
        """Mark a row delivered (kept until it expires, for the status and the counts)."""
        with self._connection() as db:
            db.execute("UPDATE outbox SET delivered = ? WHERE ring_id = ?", (self._clock(), ring_id))

    def failed(self, ring_id: str, retry_in: float) -> None:
        """Count a failed attempt and set the next one `retry_in` seconds from now."""
        with self._connection() as db:
            db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_try = ? WHERE ring_id = ?",
                (self._clock() + retry_in, ring_id),
            )

    def undelivered(self) -> int:
        """How many event JSON are still to deliver."""
        with self._connection() as db:
            (count,) = db.execute("SELECT COUNT(*) FROM outbox WHERE delivered IS NULL").fetchone()
        return int(count)

    # --- webhook request ids ------------------------------------------------------------

    def first_sighting(self, request_id: str) -> bool:
        """Remember a webhook's request id; False if it was seen before (a duplicate delivery)."""
        now = self._clock()
        with self._connection() as db:
            db.execute("DELETE FROM webhooks WHERE seen < ?", (now - WEBHOOK_KEEP,))
            inserted = db.execute(
                "INSERT OR IGNORE INTO webhooks (request_id, seen) VALUES (?, ?)", (request_id, now)
            ).rowcount
        return inserted == 1

    # --- pending recordings -------------------------------------------------------------

    def pending_rows(self) -> list[tuple[str, str, str, str]]:
        """Every pending recording: (ring_id, device_id, day, since), oldest first."""
        with self._connection() as db:
            rows = db.execute("SELECT ring_id, device_id, day, since FROM pending ORDER BY since, ring_id")
            return [(r[0], r[1], r[2], r[3]) for r in rows.fetchall()]

    def change_pending(self, *, add: list[tuple[str, str, str, str]], done: set[str]) -> None:
        """Add rows (one already there keeps its `since`) and remove the ids in `done`, at once."""
        with self._connection() as db:
            db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?, ?, ?)", add)
            db.executemany("DELETE FROM pending WHERE ring_id = ?", [(ring_id,) for ring_id in done])
