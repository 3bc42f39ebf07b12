"""Atomic files: write to a hidden temporary file in the target folder, fsync, rename."""

from __future__ import annotations

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
        fd, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX + path.name + ".", dir=path.parent)
        self.temp = Path(temp_name)
        try:
            os.fchmod(fd, default_mode() if mode is None else mode)
        except OSError:
            os.close(fd)
            self.temp.unlink(missing_ok=True)
            raise
        self.handle = os.fdopen(fd, "wb")
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
        self.handle.close()
        os.replace(self.temp, self.path)
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
