"""Atomic files: write to a hidden temporary file in the target folder, fsync, rename.

A temporary file is locked (flock) by its writer for as long as it is open, so one left behind
by a process that died can be told from one still being written, however long that writer
waits (for Ring to prepare a recording, say): `remove_abandoned` takes only the former.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

# Temporary files start with this, so nothing that lists final names (the local index,
# a pipeline globbing *.mp4) ever sees one.
TEMP_PREFIX = ".part-"


class AtomicFile:
    """A file that appears under its final name only when complete (commit), or never (discard)."""

    def __init__(self, path: Path, *, mode: int | None = None) -> None:
        """Create the hidden temporary file beside `path`, with permissions `mode` from the start
        (default: what the process's umask gives a new file, as open() would)."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, self.temp = _locked_temporary(path)
        try:
            os.fchmod(fd, default_mode() if mode is None else mode)
        except OSError:
            os.close(fd)
            self.temp.unlink(missing_ok=True)
            raise
        self.handle = os.fdopen(fd, "wb")  # holds the lock until closed
        self.written = 0
        self._discarded = False  # the bytes written are taken back from progress once
        self.on_write: Callable[[int], None] | None = None  # progress: bytes written (negative: undone)
        # Files that belong with this one (a long clip's later parts): committed after it,
        # discarded with it, so none is ever under its final name without this one.
        self.companions: list[AtomicFile] = []

    def write(self, data: bytes) -> None:
        """Append bytes to the temporary file."""
        self.handle.write(data)
        self.written += len(data)
        if self.on_write is not None:
            self.on_write(len(data))

    def reset(self) -> None:
        """Throw away what was written, companions included (before a retry)."""
        self.handle.seek(0)
        self.handle.truncate()
        if self.on_write is not None and self.written:
            self.on_write(-self.written)
        self.written = 0
        for companion in self.companions:
            companion.discard()
        self.companions.clear()

    def commit(self) -> None:
        """Flush and fsync the data, rename it to the final name, fsync the folder (blocking);
        then the same for each companion. If any of them fails, what this commit renamed into
        place is removed again, and a file it did not replace is left as it was."""
        placed: list[Path] = []
        try:
            self._commit_own()
            placed.append(self.path)
            for companion in self.companions:
                companion._commit_own()
                placed.append(companion.path)
        except BaseException:
            self.discard()
            for path in placed:
                path.unlink(missing_ok=True)
            raise

    def _commit_own(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        # Renamed while still open, so still locked: a sweep never sees it unlocked under its
        # temporary name.
        os.replace(self.temp, self.path)
        self.handle.close()
        fsync_dir(self.path.parent)

    def discard(self) -> None:
        """Remove the temporary file (and the companions'); final names are untouched. The bytes
        written are taken back from progress: nothing of them stays."""
        if self.on_write is not None and self.written and not self._discarded:
            self.on_write(-self.written)
        self._discarded = True
        try:
            # After ENOSPC the buffer still holds data, and close() fails flushing it again.
            self.handle.close()
        except OSError:
            pass
        finally:
            self.temp.unlink(missing_ok=True)
            for companion in self.companions:
                companion.discard()

    def __enter__(self) -> AtomicFile:
        """Use as `with AtomicFile(path) as f:`: committed on a clean exit, discarded on error."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Commit or discard."""
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def _locked_temporary(path: Path) -> tuple[int, Path]:
    """A new hidden temporary file beside `path`, open and locked: its descriptor and name."""
    while True:
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", dir=path.parent)
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, Path(name)
        # A sweep took it between its creation and the lock (it looked abandoned): a new one.
        os.close(fd)


def remove_abandoned(temp: Path) -> bool:
    """Remove a temporary file if no process holds its lock (its writer died); True if removed.
    One a live writer holds is left alone, however old."""
    try:
        fd = os.open(temp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False  # gone (committed or swept meanwhile), or not a plain file
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return False  # being written
    try:
        if os.fstat(fd).st_ino != os.lstat(temp).st_ino:
            return False  # replaced since it was opened
        temp.unlink()
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(fd)


def write_json(path: Path, data: Any, *, mode: int | None = None) -> None:
    """Write `data` as JSON to `path` atomically."""
    with AtomicFile(path, mode=mode) as out:
        out.write(json.dumps(data, indent=2, ensure_ascii=False).encode() + b"\n")


def write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write `text` to `path` atomically."""
    with AtomicFile(path, mode=mode) as out:
        out.write(text.encode())


def default_mode() -> int:
    """0666 less the process's umask: the mode open() gives a new file (mkstemp's is 0600).

    Linux tells the umask in /proc; elsewhere it is read by setting it, which is safe only
    while no other thread creates files, so /proc comes first.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (the directory entry itself is fsynced)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
