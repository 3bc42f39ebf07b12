"""DATA_DIR/ringconnector.sqlite3: what must survive a restart or `kill -9` beside the files.

The change feed's index (each event JSON written gets a sequence number that only grows), the
callback outbox (each event JSON POSTed to CALLBACK_URL at least once), the webhook request ids
acted on (Ring may deliver one twice: deduplicate on `meta.request_id`), the announcements a
watcher is still looking for (webhooks and pushes) and the recordings still pending (listed, not
downloaded yet: storage.pending). The event JSON files stay the "downloaded" marker; this
database never decides that, and what it knows of them is re-derived from them when it is lost.

stdlib sqlite3 in WAL mode, one short transaction per call, a connection per call: safe across
threads and processes (the server and a script may share DATA_DIR). The schema is created
(idempotently) whenever the file is new to the process or empty, so a database deleted under a
running process comes back. Every failure is a StateDatabaseError (an OSError).
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import threading
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
# Free bytes under which an SQLite I/O error is taken for a full disk (its -shm file grows 32 KiB
# at a time, its WAL a page at a time).
NEARLY_FULL = 1 << 20
# The database holds event JSON (and, through it, where the videos are): for its owner only.
FILE_MODE = 0o600
# The stages an event is called back at: its still first (watch mode's first look), its video.
SNAPSHOT, VIDEO = "snapshot", "video"
# How long a call waits for another connection's write lock (a script beside the server, an
# operator's sqlite3 shell, a backup) before it fails; the watcher's next round tries again.
BUSY_TIMEOUT = 30.0
_SCHEMA = """
CREATE TABLE IF NOT EXISTS callbacks (
    ring_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    body TEXT NOT NULL,
    created REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    delivered REAL,
    PRIMARY KEY (ring_id, stage)
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
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    ring_id TEXT NOT NULL UNIQUE,
    file TEXT NOT NULL,
    body TEXT
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS announcements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_id TEXT NOT NULL,
    at REAL,
    how TEXT NOT NULL,
    ring_id TEXT,
    received REAL NOT NULL
);
"""


class StateDatabaseError(OSError):
    """The state database cannot be used now: locked beyond BUSY_TIMEOUT, full, gone, broken."""


@dataclass(frozen=True)
class Delivery:
    """One event JSON still to POST, at one stage (SNAPSHOT or VIDEO)."""

    ring_id: str
    body: dict[str, Any]
    created: float
    attempts: int
    stage: str = VIDEO


@dataclass(frozen=True)
class Indexed:
    """An event JSON file as the change feed knows it (or, at the SNAPSHOT stage, its still)."""

    seq: int
    ring_id: str
    file: str  # its name in DATA_DIR/videos: the event JSON, or the still at the SNAPSHOT stage
    body: str | None = None  # the SNAPSHOT stage's event JSON (no file holds it yet)


@dataclass(frozen=True)
class Found:
    """An event JSON file on disk, for seeding a new index: its name and what it says."""

    ring_id: str
    file: str
    seq: int | None  # the sequence number it was written with, if any
    modified: float  # its mtime: the write order of files that carry no number


@dataclass(frozen=True)
class Announced:
    """A webhook or push that said an event may be new, kept until that event is on disk."""

    id: int
    device_id: str
    at: float | None  # epoch seconds of the moment it named, if it named one
    how: str  # "webhook", "push"
    ring_id: str | None  # when it named the event
    received: float  # epoch seconds, the database's clock


class StateDatabase:
    """The change feed's index, the outbox, the webhook ids, announcements and pending recordings,
    in one SQLite file."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        """Use (and create on first use) the database at `path`; `clock` is the wall clock."""
        self.path = path
        self._clock = clock
        self.busy_timeout = BUSY_TIMEOUT  # seconds (tests shorten it)
        self._set_up: tuple[int, int] | None = None  # (device, inode) of the file last set up
        self._setting_up = threading.Lock()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """One transaction; SQLite's own failures (a full disk, a locked or broken file) as an
        OSError, as the files beside it fail, so callers handle one kind of storage error."""
        try:
            with self._transaction() as connection:
                yield connection
        except sqlite3.Error as ex:
            if self._full(ex):
                raise StateDatabaseError(
                    errno.ENOSPC, f"{self.path.name}: {os.strerror(errno.ENOSPC)} ({ex})"
                ) from ex
            raise StateDatabaseError(errno.EIO, f"{self.path.name}: {ex}") from ex

    def _full(self, error: sqlite3.Error) -> bool:
        """A full disk: SQLITE_FULL, or an I/O error with (nearly) no room left, as SQLite reports
        a -shm file it cannot grow (SQLITE_IOERR_SHMSIZE, seen on a full tmpfs)."""
        code = getattr(error, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL:
            return True
        if code is None or code & 0xFF != sqlite3.SQLITE_IOERR:
            return False
        try:
            stats = os.statvfs(self.path.parent)
        except OSError:
            return False
        return stats.f_bavail * stats.f_frsize < NEARLY_FULL

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                # Created 0600 before SQLite opens it (its -wal and -shm files take the same mode).
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        except OSError as ex:  # its folder: read-only, full, not a folder
            raise StateDatabaseError(ex.errno, f"{self.path.name}: {ex.strerror or ex}") from ex
        with closing(
            sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        ) as connection:
            self._set_up_once(connection)
            connection.execute("PRAGMA synchronous=FULL")  # an acknowledged row survives a power cut
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _set_up_once(self, connection: sqlite3.Connection) -> None:
        """WAL mode and the tables, once per file: again when the file was deleted and made anew
        under a running process. (Not on every connection: setting the journal mode while other
        connections write is refused at once, without waiting for the lock.) A file made anew
        often gets the deleted one's inode back, so an empty one (schema version 0) counts as new."""
        found = os.stat(self.path)
        identity = (found.st_dev, found.st_ino)
        if identity == self._set_up and connection.execute("PRAGMA schema_version").fetchone()[0]:
            return
        with self._setting_up:
            if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            _migrate(connection)
            self._set_up = identity

    def check(self) -> None:
        """An empty write transaction: StateDatabaseError unless the database can be written now
        (the watcher's round starts with it, rather than failing half-way)."""
        with self._connection():
            pass

    # --- the change feed ----------------------------------------------------------------

    def write_event(
        self,
        ring_id: str,
        file: str,
        write: Callable[[int], dict[str, Any]],
        *,
        queue: bool,
        seed: Callable[[], list[Found]],
        unless_indexed: bool = False,
    ) -> dict[str, Any] | None:
        """Give an event JSON the next sequence number and have `write(seq)` write it, in one
        transaction with its index row (and, with `queue`, its outbox row): readers see the row
        only once the file is there, and sequence numbers become visible in order. A new (or
        lost and re-made) database is first seeded from the files on disk (`seed`), keeping the
        numbers they were written with. With `unless_indexed`, an event already indexed under
        `file` is left alone (None). Returns what `write` returned."""
        with self._connection() as db:
            self._seed_if_new(db, seed)
            if unless_indexed:
                row = db.execute("SELECT file FROM events WHERE ring_id = ?", (ring_id,)).fetchone()
                if row is not None and row[0] == file:
                    return None
            seq = self._next_seq(db)
            body = write(seq)
            if queue:
                self._put(db, ring_id, body, VIDEO)
            db.execute("DELETE FROM events WHERE ring_id = ?", (ring_id,))
            db.execute("INSERT INTO events (seq, ring_id, file) VALUES (?, ?, ?)", (seq, ring_id, file))
            return body

    def write_snapshot(
        self, ring_id: str, still: str, body: dict[str, Any], *, queue: bool, seed: Callable[[], list[Found]]
    ) -> dict[str, Any] | None:
        """The SNAPSHOT stage of an event whose own JSON is not written yet: its event JSON under
        the next sequence number, kept in the index row (`still` names its picture) and, with
        `queue`, the outbox; None (nothing written) once the event has a row of its own (its
        video came first, or its still was written before)."""
        with self._connection() as db:
            self._seed_if_new(db, seed)
            if db.execute("SELECT 1 FROM events WHERE ring_id = ?", (ring_id,)).fetchone() is not None:
                return None
            seq = self._next_seq(db)
            written = {**body, "seq": seq}
            if queue:
                self._put(db, ring_id, written, SNAPSHOT)
            db.execute(
                "INSERT INTO events (seq, ring_id, file, body) VALUES (?, ?, ?, ?)",
                (seq, ring_id, still, json.dumps(written)),
            )
            return written

    def seed(self, seed: Callable[[], list[Found]]) -> None:
        """Seed a new (or lost and re-made) index from the files on disk; nothing if it has one."""
        with self._connection() as db:
            self._seed_if_new(db, seed)

    def indexed(self) -> list[Indexed]:
        """Every indexed event JSON, in sequence order."""
        with self._connection() as db:
            rows = db.execute("SELECT seq, ring_id, file, body FROM events ORDER BY seq").fetchall()
        return [Indexed(*row) for row in rows]

    def events_after(self, after: int, limit: int) -> list[Indexed]:
        """The indexed event JSON written after sequence number `after`, in order, at most `limit`."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT seq, ring_id, file, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
                (after, limit),
            ).fetchall()
        return [Indexed(*row) for row in rows]

    def snapshot_of(self, ring_id: str) -> dict[str, Any] | None:
        """The SNAPSHOT stage's event JSON of an event with no JSON of its own yet, or None."""
        with self._connection() as db:
            row = db.execute(
                "SELECT body FROM events WHERE ring_id = ? AND body IS NOT NULL", (ring_id,)
            ).fetchone()
        found = json.loads(row[0]) if row else None
        return found if isinstance(found, dict) else None

    def last_seq(self) -> int:
        """The highest sequence number given so far (0: none)."""
        with self._connection() as db:
            row = db.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()
        return int(row[0]) if row else 0

    def forget_events(self, gone: list[Indexed]) -> None:
        """Drop index rows whose files are gone (each only as it was read: a newer row stays)."""
        with self._connection() as db:
            db.executemany(
                "DELETE FROM events WHERE seq = ? AND ring_id = ?", [(e.seq, e.ring_id) for e in gone]
            )

    def _next_seq(self, db: sqlite3.Connection) -> int:
        """One more than the highest given, and at least the clock in milliseconds: numbers only
        grow, even after the database is lost and seeded from files whose newest were deleted."""
        row = db.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()
        seq = max((int(row[0]) if row else 0) + 1, int(self._clock() * 1000))
        db.execute(
            "INSERT INTO counters (name, value) VALUES ('seq', ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (seq,),
        )
        return seq

    def _seed_if_new(self, db: sqlite3.Connection, seed: Callable[[], list[Found]]) -> None:
        if db.execute("SELECT 1 FROM counters WHERE name = 'seq'").fetchone() is not None:
            return
        found = seed()
        taken: set[int] = set()
        keep: list[Found] = []
        renumber: list[Found] = []
        # Files keep the numbers they were written with; one without (written before the change
        # feed existed) or with a number another file has is numbered after them, in write order.
        for item in sorted(found, key=lambda f: (f.seq is None, f.seq or 0, f.modified, f.file)):
            if item.seq is not None and item.seq > 0 and item.seq not in taken:
                taken.add(item.seq)
                keep.append(item)
            else:
                renumber.append(item)
        high = max(taken, default=0)
        db.execute("INSERT INTO counters (name, value) VALUES ('seq', ?)", (high,))
        db.executemany(
            "INSERT OR IGNORE INTO events (seq, ring_id, file) VALUES (?, ?, ?)",
            [(f.seq, f.ring_id, f.file) for f in keep],
        )
        for item in sorted(renumber, key=lambda f: (f.modified, f.file)):
            db.execute(
                "INSERT OR IGNORE INTO events (seq, ring_id, file) VALUES (?, ?, ?)",
                (self._next_seq(db), item.ring_id, item.file),
            )

    # --- the callback outbox ------------------------------------------------------------

    def put(self, ring_id: str, body: dict[str, Any], stage: str = VIDEO) -> None:
        """Queue an event's JSON for delivery at `stage` (again, if it was written again)."""
        with self._connection() as db:
            self._put(db, ring_id, body, stage)

    def _put(self, db: sqlite3.Connection, ring_id: str, body: dict[str, Any], stage: str) -> None:
        now = self._clock()
        db.execute(
            "INSERT INTO callbacks (ring_id, stage, body, created, next_try) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(ring_id, stage) DO UPDATE SET body = excluded.body, created = excluded.created, "
            "attempts = 0, next_try = excluded.next_try, delivered = NULL",
            (ring_id, stage, json.dumps(body), now, now),
        )

    def due(self, limit: int = 100, *, waiting_too: bool = False) -> list[Delivery]:
        """Undelivered rows whose next try has come (`waiting_too`: every undelivered row, as on
        start-up or once the receiver is back), oldest first (an event's still before its
        video); expired ones are dropped."""
        now = self._clock()
        with self._connection() as db:
            db.execute("DELETE FROM callbacks WHERE created < ?", (now - OUTBOX_KEEP,))
            rows = db.execute(
                "SELECT ring_id, body, created, attempts, stage FROM callbacks "
                "WHERE delivered IS NULL AND next_try <= ? ORDER BY created, stage = 'video' LIMIT ?",
                (float("inf") if waiting_too else now, limit),
            ).fetchall()
        return [Delivery(r[0], json.loads(r[1]), r[2], r[3], r[4]) for r in rows]

    def delivered(self, ring_id: str, stage: str = VIDEO) -> None:
        """Mark a row delivered (kept until it expires, for the status and the counts)."""
        with self._connection() as db:
            db.execute(
                "UPDATE callbacks SET delivered = ? WHERE ring_id = ? AND stage = ?",
                (self._clock(), ring_id, stage),
            )

    def failed(self, ring_id: str, retry_in: float, stage: str = VIDEO) -> None:
        """Count a failed attempt and set the next one `retry_in` seconds from now."""
        with self._connection() as db:
            db.execute(
                "UPDATE callbacks SET attempts = attempts + 1, next_try = ? WHERE ring_id = ? AND stage = ?",
                (self._clock() + retry_in, ring_id, stage),
            )

    def undelivered(self) -> int:
        """How many event JSON are still to deliver."""
        with self._connection() as db:
            (count,) = db.execute("SELECT COUNT(*) FROM callbacks WHERE delivered IS NULL").fetchone()
        return int(count)

    # --- webhook request ids ------------------------------------------------------------

    def seen(self, request_id: str) -> bool:
        """Tell whether a webhook with this request id was acted on within WEBHOOK_KEEP."""
        with self._connection() as db:
            row = db.execute(
                "SELECT 1 FROM webhooks WHERE request_id = ? AND seen >= ?",
                (request_id, self._clock() - WEBHOOK_KEEP),
            ).fetchone()
        return row is not None

    def remember(self, request_id: str) -> bool:
        """Remember a webhook acted on; False if it was already (a duplicate delivery)."""
        with self._connection() as db:
            return self._remember(db, request_id)

    def _remember(self, db: sqlite3.Connection, request_id: str) -> bool:
        now = self._clock()
        db.execute("DELETE FROM webhooks WHERE seen < ?", (now - WEBHOOK_KEEP,))
        inserted = db.execute(
            "INSERT OR IGNORE INTO webhooks (request_id, seen) VALUES (?, ?)", (request_id, now)
        ).rowcount
        return bool(inserted == 1)

    # --- announcements ------------------------------------------------------------------

    def announce(
        self,
        device_id: str,
        *,
        how: str,
        at: float | None = None,
        ring_id: str | None = None,
        request_id: str | None = None,
    ) -> Announced | None:
        """Keep an announcement until the watcher finds its event; with a webhook's `request_id`,
        remember that in the same transaction (None: it was acted on before, a duplicate)."""
        now = self._clock()
        with self._connection() as db:
            if request_id is not None and not self._remember(db, request_id):
                return None
            cursor = db.execute(
                "INSERT INTO announcements (device_id, at, how, ring_id, received) VALUES (?, ?, ?, ?, ?)",
                (device_id, at, how, ring_id, now),
            )
            return Announced(int(cursor.lastrowid or 0), device_id, at, how, ring_id, now)

    def announcements(self) -> list[Announced]:
        """Every announcement still looked for, oldest first."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT id, device_id, at, how, ring_id, received FROM announcements ORDER BY id"
            ).fetchall()
        return [Announced(*row) for row in rows]

    def settle(self, ids: list[int]) -> None:
        """Drop announcements whose event is on disk (or that are too old to look for)."""
        with self._connection() as db:
            db.executemany("DELETE FROM announcements WHERE id = ?", [(i,) for i in ids])

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


def _migrate(db: sqlite3.Connection) -> None:
    """Take over what an older schema kept: the outbox of one delivery per event (its rows become
    the VIDEO stage's), and an events table without the SNAPSHOT stage's body."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "outbox" in tables:
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "INSERT OR IGNORE INTO callbacks (ring_id, stage, body, created, attempts, next_try, delivered) "
            "SELECT ring_id, 'video', body, created, attempts, next_try, delivered FROM outbox"
        )
        db.execute("DROP TABLE outbox")
        db.execute("COMMIT")
    columns = {row[1] for row in db.execute("PRAGMA table_info(events)")}
    if "body" not in columns:
        db.execute("ALTER TABLE events ADD COLUMN body TEXT")
