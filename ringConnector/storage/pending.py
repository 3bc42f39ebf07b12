"""DATA_DIR/pending.json: recordings Ring had not ready by the end of their day's download.

Later calls try them again whatever day they ask for (docs/ring-apis.md §1.5: a recording near
midnight may be ready only after its day's last run); an entry older than PENDING_MAX_AGE is
dropped. Written atomically under a lock: the server and a script may share DATA_DIR.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock

from ringConnector.storage.atomic import write_json

_LOGGER = logging.getLogger(__name__)

# Ring has been seen to take about 30 minutes (docs/ring-apis.md §1.5); a day is far beyond that.
PENDING_MAX_AGE = timedelta(days=1)


@dataclass(frozen=True)
class Pending:
    """One recording to try again: which event, on which device and local day, since when."""

    ring_id: str
    device_id: str
    day: str  # YYYYMMDD, the event's local day
    since: str  # ISO 8601 UTC: when it was first found not ready


class PendingStore:
    """The pending recordings of a DATA_DIR, read and changed under a file lock."""

    def __init__(self, path: Path) -> None:
        """Use `path` (DATA_DIR/pending.json); nothing is read until asked."""
        self.path = path
        self._lock = FileLock(str(path.with_name(path.name + ".lock")), thread_local=False)

    def entries(self, now: datetime) -> list[Pending]:
        """The pending recordings, after dropping (and logging) those older than PENDING_MAX_AGE."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            kept = self._prune(self._read(), now)
            return list(kept.values())

    def update(self, now: datetime, *, add: list[Pending], done: set[str]) -> None:
        """Add entries (an entry already there keeps its `since`) and remove those in `done`."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            entries = self._prune(self._read(), now)
            before = dict(entries)
            for entry in add:
                entries.setdefault(entry.ring_id, entry)
            for ring_id in done:
                entries.pop(ring_id, None)
            if entries != before:
                write_json(self.path, [asdict(e) for e in entries.values()])

    def _prune(self, entries: dict[str, Pending], now: datetime) -> dict[str, Pending]:
        kept = {}
        for ring_id, entry in entries.items():
            if now - datetime.fromisoformat(entry.since) > PENDING_MAX_AGE:
                _LOGGER.warning(
                    "event %s of %s: recording still not ready after a day; no longer tried",
                    ring_id,
                    entry.day,
                )
            else:
                kept[ring_id] = entry
        if len(kept) != len(entries):
            write_json(self.path, [asdict(e) for e in kept.values()])
        return kept

    def _read(self) -> dict[str, Pending]:
        try:
            raw: Any = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            _LOGGER.warning("unreadable %s: pending recordings forgotten", self.path)
            return {}
        found = {}
        for item in raw if isinstance(raw, list) else []:
            try:
                entry = Pending(**item)
                datetime.fromisoformat(entry.since)
            except (TypeError, ValueError):
                continue  # a hand-edited line: skipped, the rest kept
            found[entry.ring_id] = entry
        return found
