"""DATA_DIR/videos, the library: where recordings and their event JSON are written, found and updated."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from filelock import FileLock

from ringConnector.storage.atomic import TEMP_PREFIX, AtomicFile, remove_abandoned, write_json

_LOGGER = logging.getLogger(__name__)
LOCKS = ".locks"

# Lock files of events this old are no longer contended. (Temporary files go by their own lock,
# not by an age: a download waiting for Ring may keep one for longer than any age.)
STALE_LOCK_AGE = 2 * 24 * 3600.0

# An event is downloaded once its JSON (written after the video) is under its final name:
# "<YYYYmmdd-HHMMSS>-<ringId>.json".
_EVENT_FILE = re.compile(r"^\d{8}-\d{6}-(?P<ring_id>[^/]+)\.json$")
_STILL_FILE = re.compile(r"^\d{8}-\d{6}-(?P<ring_id>[^/]+)\.jpg$")


class EventLibrary:
    """The folder of videos and event JSON files: writing them, the index of ring ids, reading them back."""

    def __init__(self, videos_dir: Path) -> None:
        """Use `videos_dir` (DATA_DIR/videos), creating it when first written to."""
        self.videos_dir = videos_dir

    @property
    def pending_path(self) -> Path:
        """DATA_DIR/pending.json, where recordings to try again were kept until 0.2.0 (storage.pending)."""
        return self.videos_dir.parent / "pending.json"

    def known_ids(self) -> set[str]:
        """Ring ids whose video and event JSON are complete on disk."""
        return set(self.index())

    def index(self) -> dict[str, Path]:
        """Every event JSON on disk by ring id (file names hold escaped ids)."""
        found = {}
        for path in self._event_files():
            match = _EVENT_FILE.match(path.name)
            if match:
                found[unquote(match["ring_id"])] = path
        return found

    def _event_files(self, pattern: str = "*.json") -> list[Path]:
        """The event JSON files: named as one, and regular files of this folder, not symlinks
        (a link named like an event could point at the token file or anything else readable)."""
        if not self.videos_dir.is_dir():
            return []
        found = [p for p in self.videos_dir.glob(pattern) if _EVENT_FILE.match(p.name) and _regular(p)]
        return sorted(found)  # in name order: the index is the same whichever order the folder lists

    def video_path(self, stem: str) -> Path:
        """Where the recording of the event named `stem` goes."""
        return self.videos_dir / f"{stem}.mp4"

    def still_path(self, stem: str) -> Path:
        """Where the still picture of the event named `stem` goes (beside its video)."""
        return self.videos_dir / f"{stem}.jpg"

    def still_ids(self) -> set[str]:
        """Ring ids with a still on disk."""
        if not self.videos_dir.is_dir():
            return set()
        found = (_STILL_FILE.match(p.name) for p in self.videos_dir.glob("*.jpg"))
        return {unquote(match["ring_id"]) for match in found if match}

    def still(self, ring_id: str) -> Path | None:
        """The still of exactly `ring_id`, if one is on disk (a regular file of this folder)."""
        escaped = quote(ring_id, safe="")  # leaves no glob character
        if not self.videos_dir.is_dir():
            return None
        for path in sorted(self.videos_dir.glob(f"*-{escaped}.jpg")):
            match = _STILL_FILE.match(path.name)
            if match and match["ring_id"] == escaped and _regular(path):
                return path
        return None

    def json_path(self, stem: str) -> Path:
        """Where the event JSON of the event named `stem` goes (beside its video)."""
        return self.videos_dir / f"{stem}.json"

    def event_lock(self, ring_id: str) -> FileLock:
        """The lock one process holds while it downloads the event (the server and a script
        may share DATA_DIR). Not thread-local: taken in a worker thread, released in the loop."""
        folder = self.videos_dir / LOCKS
        folder.mkdir(parents=True, exist_ok=True)
        return FileLock(str(folder / f"{quote(ring_id, safe='')}.lock"), thread_local=False)

    def sweep(self, *, now: float | None = None) -> int:
        """Remove what dead processes left: temporary files no live writer holds (each is locked
        while written: storage.atomic), and old lock files."""
        moment = time.time() if now is None else now
        removed = sum(remove_abandoned(temp) for temp in self.videos_dir.glob(TEMP_PREFIX + "*"))
        for path in (self.videos_dir / LOCKS).glob("*.lock"):
            try:
                if moment - path.stat().st_mtime > STALE_LOCK_AGE:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                pass  # another process swept it first
        if removed:
            _LOGGER.info("removed %d file(s) left by interrupted runs in %s", removed, self.videos_dir)
        return removed

    def open_video(self, stem: str) -> AtomicFile:
        """A temporary file that becomes the event's video on commit."""
        return AtomicFile(self.video_path(stem))

    def save_event(self, stem: str, body: dict[str, Any]) -> None:
        """Write the event JSON atomically; from then on the event counts as downloaded."""
        write_json(self.json_path(stem), body)

    def find(self, ring_id: str) -> Path | None:
        """The event JSON of exactly `ring_id`, or None (matched by name: no path from a caller
        is used; `1` is not the event `7-1`)."""
        escaped = quote(ring_id, safe="")  # leaves no glob character
        for path in self._event_files(f"*-{escaped}.json"):
            match = _EVENT_FILE.match(path.name)
            if match and match["ring_id"] == escaped:
                return path
        return None

    def day(self, day: str) -> list[dict[str, Any]]:
        """Every event JSON whose local day is `day` (YYYYMMDD), oldest first."""
        paths = sorted(self._event_files(f"{day}-*.json"))
        return [body for body in (self._read(p) for p in paths) if body is not None]

    def read(self, ring_id: str) -> dict[str, Any] | None:
        """One event's JSON, or None."""
        path = self.find(ring_id)
        return self._read(path) if path else None

    def read_file(self, name: str) -> dict[str, Any] | None:
        """The event JSON of that file name in this folder, or None (not one, not there)."""
        path = self.videos_dir / name
        if not _EVENT_FILE.match(name) or not _regular(path):
            return None
        return self._read(path)

    def set_status(self, ring_id: str, status: str) -> dict[str, Any] | None:
        """Change an event's status in its JSON on disk (atomically, under the event's lock)."""
        with self.event_lock(ring_id):
            path = self.find(ring_id)
            body = self._read(path) if path else None
            if path is None or body is None:
                return None
            body["status"] = status
            write_json(path, body)
            return body

    def video(self, ring_id: str) -> Path | None:
        """The event's video file, if both it and its JSON are there."""
        path = self.find(ring_id)
        video = path.with_suffix(".mp4") if path else None
        return video if video is not None and _regular(video) else None

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            # O_NOFOLLOW: a file swapped for a symlink after it was listed is not read either.
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(descriptor, encoding="utf-8") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return None
                body = json.loads(handle.read())
        except (OSError, ValueError):
            _LOGGER.warning("unreadable event file %s", path)
            return None
        return body if isinstance(body, dict) else None


def _regular(path: Path) -> bool:
    """A regular file itself, not a symlink to one (nor a folder, a FIFO ...)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False
