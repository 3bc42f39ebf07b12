"""The library finds events by their exact ring id, and only regular files inside it count."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from ringConnector.storage.library import EventLibrary


def event(library: EventLibrary, stem: str, **fields: object) -> Path:
    library.videos_dir.mkdir(parents=True, exist_ok=True)
    library.save_event(stem, {"ringId": stem.split("-", 2)[2], "status": "UNPROCESSED", **fields})
    library.video_path(stem).write_bytes(b"mp4")
    return library.json_path(stem)


def secret(tmp_path: Path) -> Path:
    token = tmp_path / "oauth-authorization.json"
    token.write_text(json.dumps({"refresh_token": "the-ring-refresh-token"}))
    return token


def test_an_id_finds_its_own_event_and_not_one_ending_like_it(tmp_path: Path) -> None:
    library = EventLibrary(tmp_path / "videos")
    other = event(library, "20261122-101010-7-1")
    assert library.find("1") is None and library.read("1") is None
    assert library.set_status("1", "PROCESSED") is None
    assert json.loads(other.read_text())["status"] == "UNPROCESSED"
    mine = event(library, "20261122-101011-1")
    assert library.find("1") == mine and library.find("7-1") == other
    assert library.known_ids() == {"1", "7-1"}


def test_a_symlink_named_like_an_event_is_no_event(tmp_path: Path) -> None:
    library = EventLibrary(tmp_path / "videos")
    event(library, "20261122-101010-1")
    token = secret(tmp_path)
    link = library.videos_dir / "20261122-000000-leak.json"
    link.symlink_to(os.path.relpath(token, library.videos_dir))
    assert library.known_ids() == {"1"}
    assert library.find("leak") is None and library.read("leak") is None
    assert [body["ringId"] for body in library.day("20261122")] == ["1"]
    assert library.set_status("leak", "PROCESSED") is None
    assert link.is_symlink() and json.loads(token.read_text()) == {"refresh_token": "the-ring-refresh-token"}


def test_a_symlinked_video_is_no_video(tmp_path: Path) -> None:
    library = EventLibrary(tmp_path / "videos")
    event(library, "20261122-101010-1")
    library.video_path("20261122-101010-1").unlink()
    library.video_path("20261122-101010-1").symlink_to(secret(tmp_path))
    assert library.video("1") is None


def test_a_file_swapped_for_a_symlink_after_listing_is_not_read(tmp_path: Path) -> None:
    library = EventLibrary(tmp_path / "videos")
    path = event(library, "20261122-101010-1")
    path.unlink()
    path.symlink_to(secret(tmp_path))
    assert EventLibrary._read(path) is None  # O_NOFOLLOW, whatever the listing said


def test_the_sweep_leaves_a_temporary_file_its_writer_holds_however_old(tmp_path: Path) -> None:
    library = EventLibrary(tmp_path / "videos")
    live = library.open_video("20261122-130000-1")  # a download waiting for Ring between attempts
    live.write(b"the recording")
    a_day_ago = time.time() - 24 * 3600
    os.utime(live.temp, (a_day_ago, a_day_ago))
    assert library.sweep() == 0 and live.temp.exists()
    live.commit()
    assert library.video_path("20261122-130000-1").read_bytes() == b"the recording"


def test_the_sweep_removes_at_once_a_temporary_file_nobody_holds(tmp_path: Path) -> None:
    library = EventLibrary(tmp_path / "videos")
    library.videos_dir.mkdir()
    # What a killed process leaves: its lock went with it.
    left = library.videos_dir / ".part-20261122-130000-1.mp4.abc123"
    left.write_bytes(b"half a recording")
    assert library.sweep() == 1 and not left.exists()
