"""The state database as its surroundings treat it: deleted under a running process, locked by
another connection."""

from __future__ import annotations

import errno
import sqlite3
import time
from pathlib import Path

import pytest

from ringConnector.storage.state_db import FILE_NAME, StateDatabase, StateDatabaseError


def test_a_database_deleted_under_a_running_process_comes_back(tmp_path: Path) -> None:
    database = StateDatabase(tmp_path / FILE_NAME)
    database.put("1", {"ringId": "1"})
    for path in tmp_path.glob(FILE_NAME + "*"):
        path.unlink()
    # The new file often gets the deleted one's inode: it must still count as new.
    database.put("2", {"ringId": "2"})
    assert [delivery.ring_id for delivery in database.due(waiting_too=True)] == ["2"]


def test_a_lock_held_beyond_the_busy_timeout_is_a_state_database_error(tmp_path: Path) -> None:
    database = StateDatabase(tmp_path / FILE_NAME)
    database.check()
    database.busy_timeout = 0.2
    holder = sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(StateDatabaseError) as locked:
            database.check()
        assert time.monotonic() - started < 5
        assert (locked.value.errno, locked.value.strerror) == (errno.EIO, f"{FILE_NAME}: database is locked")
    finally:
        holder.rollback()
        holder.close()
    database.check()  # free again
