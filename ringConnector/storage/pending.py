"""Recordings Ring had not ready by the end of their day's download, kept in the state database
(storage.state_db) so that a restart, a crash or `kill -9` forgets none.

Later calls try them again whatever day they ask for (docs/ring-apis.md §1.5: a recording near
midnight may be ready only after its day's last run); an entry older than PENDING_MAX_AGE is
dropped. Until 0.2.0 they lived in DATA_DIR/pending.json, which is taken over on first use.
"""

from __future__ import annotations

import json
import logging
from dataclasses import astuple, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from ringConnector.storage.state_db import StateDatabase

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
    """The pending recordings of a DATA_DIR."""

    def __init__(self, database: StateDatabase, legacy: Path | None = None) -> None:
        """Keep them in `database`; `legacy` (DATA_DIR/pending.json), if there, is moved into it."""
        self.database = database
        self._legacy = legacy

    def entries(self, now: datetime) -> list[Pending]:
        """The pending recordings, after dropping (and logging) those older than PENDING_MAX_AGE."""
        self._take_over_legacy()
        found = [Pending(*row) for row in self.database.pending_rows()]
        expired = {e.ring_id for e in found if now - _since(e) > PENDING_MAX_AGE}
        for entry in found:
            if entry.ring_id in expired:
                _LOGGER.warning(
                    "event %s of %s: recording still not ready after a day; no longer tried",
                    entry.ring_id,
                    entry.day,
                )
        if expired:
            self.database.change_pending(add=[], done=expired)
        return [e for e in found if e.ring_id not in expired]

    def update(self, now: datetime, *, add: list[Pending], done: set[str]) -> None:
        """Add entries (an entry already there keeps its `since`) and remove those in `done`."""
        self._take_over_legacy()
        self.database.change_pending(add=[astuple(e) for e in add if e.ring_id not in done], done=done)

    def _take_over_legacy(self) -> None:
        legacy, self._legacy = self._legacy, None
        if legacy is None or not legacy.exists():
            return
        try:
            raw: Any = json.loads(legacy.read_text())
        except (OSError, ValueError):
            _LOGGER.warning("unreadable %s: its pending recordings are forgotten", legacy)
            raw = []
        entries = []
        for item in raw if isinstance(raw, list) else []:
            try:
                entry = Pending(**item)
                _since(entry)
            except (TypeError, ValueError):
                continue  # a hand-edited line: skipped, the rest kept
            entries.append(astuple(entry))
        self.database.change_pending(add=entries, done=set())
        legacy.unlink(missing_ok=True)  # only once its rows are committed
        _LOGGER.info(
            "%d pending recording(s) moved from %s into the state database", len(entries), legacy.name
        )


def _since(entry: Pending) -> datetime:
    return datetime.fromisoformat(entry.since)
