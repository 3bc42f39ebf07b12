"""Pending recordings live in the state database: they survive the process, a legacy
pending.json is taken over once, and a day-old entry is dropped with a warning."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ringConnector.storage.pending import Pending, PendingStore
from ringConnector.storage.state_db import StateDatabase

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def entry(ring_id: str, *, age: timedelta = timedelta(0)) -> Pending:
    return Pending(ring_id, "1001", "20261122", (NOW - age).isoformat())


def test_entries_outlive_the_store_that_wrote_them(tmp_path: Path) -> None:
    PendingStore(StateDatabase(tmp_path / "state.sqlite3")).update(
        NOW, add=[entry("1"), entry("2")], done=set()
    )
    later = PendingStore(StateDatabase(tmp_path / "state.sqlite3"))  # another process, after a kill -9
    assert [e.ring_id for e in later.entries(NOW)] == ["1", "2"]
    later.update(NOW, add=[entry("1", age=timedelta(hours=-1))], done={"2"})
    assert later.entries(NOW) == [entry("1")]  # an entry already there keeps its `since`


def test_an_id_both_added_and_done_is_done(tmp_path: Path) -> None:
    store = PendingStore(StateDatabase(tmp_path / "state.sqlite3"))
    store.update(NOW, add=[entry("1")], done={"1"})
    assert store.entries(NOW) == []


def test_a_legacy_pending_json_is_taken_over_once(tmp_path: Path) -> None:
    legacy = tmp_path / "pending.json"
    rows = [vars(entry("1")), {"ring_id": "hand-edited"}, vars(entry("2"))]
    legacy.write_text(json.dumps(rows))
    store = PendingStore(StateDatabase(tmp_path / "state.sqlite3"), legacy=legacy)
    assert [e.ring_id for e in store.entries(NOW)] == ["1", "2"]  # the broken line alone is skipped
    assert not legacy.exists()
    legacy.write_text(json.dumps([vars(entry("3"))]))  # not read again by the same store
    assert [e.ring_id for e in store.entries(NOW)] == ["1", "2"]


def test_a_day_old_entry_is_dropped_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = PendingStore(StateDatabase(tmp_path / "state.sqlite3"))
    store.update(NOW, add=[entry("old", age=timedelta(days=1, seconds=1)), entry("new")], done=set())
    with caplog.at_level(logging.WARNING):
        assert [e.ring_id for e in store.entries(NOW)] == ["new"]
    assert "event old of 20261122: recording still not ready after a day" in caplog.text
    assert [row[0] for row in StateDatabase(tmp_path / "state.sqlite3").pending_rows()] == ["new"]
