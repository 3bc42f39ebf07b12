"""The change feed: each event JSON written gets a number that only grows, the feed lists them in
write order, and the numbers survive a restart, a lost database and a process killed between an
event's file and its row."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ringConnector.storage.feed import ChangeFeed
from ringConnector.storage.library import EventLibrary
from ringConnector.storage.state_db import FILE_NAME, StateDatabase


class Wall:
    """The database's clock: epoch seconds, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> Wall:
    return Wall()


def open_feed(folder: Path, wall: Wall) -> ChangeFeed:
    """A feed on `folder`, as a process opens one."""
    return ChangeFeed(
        StateDatabase(folder / FILE_NAME, clock=wall), EventLibrary(folder / "videos"), clock=wall
    )


def write(feed: ChangeFeed, ring_id: str, clock: str = "101010", **fields: object) -> int:
    body = feed.write(f"20261122-{clock}-{ring_id}", {"ringId": ring_id, **fields}, queue=False)
    seq = body["seq"]
    assert isinstance(seq, int)
    return seq


def listed(feed: ChangeFeed, after: int = 0, limit: int = 100) -> list[tuple[int, str]]:
    return [(body["seq"], body["ringId"]) for body in feed.after(after, limit).events]


def test_numbers_grow_in_write_order_and_the_feed_pages_from_a_cursor(tmp_path: Path, wall: Wall) -> None:
    feed = open_feed(tmp_path, wall)
    # Written in another order than their events happened: the feed is in write order.
    seqs = [write(feed, "c", "120000"), write(feed, "a", "080000"), write(feed, "b", "090000")]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert listed(feed) == list(zip(seqs, "cab", strict=True))
    page = feed.after(0, 2)
    assert ([b["ringId"] for b in page.events], page.next, page.more) == (["c", "a"], seqs[1], True)
    rest = feed.after(page.next, 2)
    assert ([b["ringId"] for b in rest.events], rest.next, rest.more) == (["b"], seqs[2], False)
    empty = feed.after(rest.next, 2)
    assert (empty.events, empty.next, empty.more) == ([], seqs[2], False)  # the cursor stays
    # The number is in the file too, so it travels with the event JSON (and its callback).
    assert json.loads(next(feed.library.videos_dir.glob("*-a.json")).read_text())["seq"] == seqs[1]


def test_an_event_written_again_is_listed_once_at_its_new_number(tmp_path: Path, wall: Wall) -> None:
    feed = open_feed(tmp_path, wall)
    first = write(feed, "a")
    write(feed, "b")
    again = write(feed, "a", note="downloaded again")
    assert again > first
    assert [ring_id for _, ring_id in listed(feed)] == ["b", "a"]
    assert listed(feed, after=again) == []


def test_a_restart_keeps_the_numbers_and_goes_on_from_them(tmp_path: Path, wall: Wall) -> None:
    feed = open_feed(tmp_path, wall)
    before = [write(feed, "a"), write(feed, "b")]
    wall.now -= 3600  # the clock went back an hour: numbers still only grow
    reopened = open_feed(tmp_path, wall)
    assert [seq for seq, _ in listed(reopened)] == before
    assert write(reopened, "c") > before[-1]


def test_a_lost_database_is_seeded_from_the_files_with_their_numbers(tmp_path: Path, wall: Wall) -> None:
    feed = open_feed(tmp_path, wall)
    written = [(write(feed, ring_id), ring_id) for ring_id in "abc"]
    for path in tmp_path.glob(FILE_NAME + "*"):
        path.unlink()  # the database, its WAL and its index: gone
    rebuilt = open_feed(tmp_path, wall)
    assert listed(rebuilt) == written  # the same numbers: a pipeline's cursor still means the same
    assert listed(rebuilt, after=written[1][0]) == written[2:]
    assert write(rebuilt, "d") > written[-1][0]


def test_files_without_a_number_are_numbered_in_the_order_they_were_written(
    tmp_path: Path, wall: Wall
) -> None:
    library = EventLibrary(tmp_path / "videos")
    # Written before the change feed, with no numbers: the newest event's file was written first.
    for ring_id, clock, mtime in (("late", "230000", 1000), ("early", "010000", 2000)):
        library.save_event(f"20261122-{clock}-{ring_id}", {"ringId": ring_id})
        os.utime(library.json_path(f"20261122-{clock}-{ring_id}"), (mtime, mtime))
    feed = open_feed(tmp_path, wall)
    assert [ring_id for _, ring_id in listed(feed)] == ["late", "early"]
    assert write(feed, "new") > max(seq for seq, _ in listed(feed, limit=2))


def test_a_file_its_process_did_not_index_reaches_the_feed_after_the_readers_cursor(
    tmp_path: Path, wall: Wall
) -> None:
    """Killed between an event's JSON and the transaction's commit: the file is there (the event
    counts as downloaded), its row is not, and its number was given again. The next look indexes
    it under a new number, after every number a reader may have seen meanwhile."""
    feed = open_feed(tmp_path, wall)
    seen = write(feed, "a")
    feed.library.save_event("20261122-090000-orphan", {"ringId": "orphan", "seq": seen + 1})
    wall.now -= 1  # the rolled-back number is given to the next event
    b = write(feed, "b")
    assert b == seen + 1
    # A reader got as far as "b" before anything looked at the files again.
    cursor = feed.database.events_after(0, 100)[-1].seq
    page = listed(feed, after=cursor)
    assert [ring_id for _, ring_id in page] == ["orphan"] and page[0][0] > cursor
    assert json.loads(feed.library.json_path("20261122-090000-orphan").read_text())["seq"] == page[0][0]
    assert feed.reconcile(queue=False) == 0  # indexed once


def test_an_unindexed_file_is_queued_for_the_callback(tmp_path: Path, wall: Wall) -> None:
    feed = open_feed(tmp_path, wall)
    feed.library.save_event("20261122-090000-orphan", {"ringId": "orphan"})
    os.utime(feed.library.json_path("20261122-090000-orphan"), (wall.now - 60, wall.now - 60))
    old = "20261122-080000-old"
    feed.library.save_event(old, {"ringId": "old"})
    os.utime(feed.library.json_path(old), (wall.now - 2 * 86400, wall.now - 2 * 86400))
    feed.database.seed(lambda: [])  # a database that already had an index: these are orphans
    assert feed.reconcile(queue=True) == 2
    # A day's old file is indexed too, but its callback is not sent again after so long.
    assert [row.ring_id for row in feed.database.due()] == ["orphan"]


def test_a_removed_file_leaves_the_feed(tmp_path: Path, wall: Wall) -> None:
    feed = open_feed(tmp_path, wall)
    write(feed, "a")
    b = write(feed, "b")
    feed.library.json_path("20261122-101010-a").unlink()
    assert listed(feed) == [(b, "b")]
    assert [row.ring_id for row in feed.database.indexed()] == ["b"]
