"""What the connector itself asked of Ring's cameras (clip downloads, live views), kept in DATA_DIR.

Both appear in Partner API history as `on_demand` events (docs/ring-apis.md §2.4): a connector
that downloads `on_demand` events must recognise its own, or every download makes another one.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from ringConnector.storage.atomic import write_json

_LOGGER = logging.getLogger(__name__)

# Kept about two days: a day's download reads at most yesterday's and today's history.
KEEP_MS = 2 * 86_400_000
# An on_demand event starting this close to one of our windows is ours (Ring's own clock, the
# request's latency and the event's rounding are a few seconds apart at most: an assumption).
NEAR_MS = 5_000
FILE_NAME = "partner-own-media.json"


@dataclass(frozen=True)
class Window:
    """One request of ours that makes the camera record: [start_ms, end_ms] on the device."""

    device: str
    start_ms: int
    end_ms: int


class OwnMedia:
    """The windows we caused, in an atomic JSON file; safe across threads and processes (the
    server and a script may share DATA_DIR): each read-modify-write holds a file lock."""

    def __init__(self, path: Path, clock: Callable[[], float]) -> None:
        """Keep the windows in `path`; `clock` is the wall clock (epoch seconds)."""
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()  # FileLock is reentrant across threads, so both
        self._file_lock = FileLock(str(path.with_name("." + path.name + ".lock")), thread_local=False)

    def add(self, device: str, start_ms: int, end_ms: int) -> None:
        """Remember that we made the device record from start_ms to end_ms."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock, self._file_lock:
            windows = [w for w in self._load() if w.end_ms >= self._now_ms() - KEEP_MS]
            windows.append(Window(device, start_ms, max(start_ms, end_ms)))
            write_json(self.path, [w.__dict__ for w in windows])

    def caused(self, device: str, start_ms: int) -> bool:
        """Tell whether an on_demand event of the device starting at start_ms is one of ours."""
        with self._lock:
            windows = self._load()
        return any(
            w.device == device and w.start_ms - NEAR_MS <= start_ms <= w.end_ms + NEAR_MS for w in windows
        )

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _load(self) -> list[Window]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return [Window(str(w["device"]), int(w["start_ms"]), int(w["end_ms"])) for w in raw]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, KeyError) as ex:
            # A broken file must not stop downloads; the worst case is one of our own on_demand
            # events downloaded once.
            _LOGGER.warning("ignoring %s, which could not be read: %s", self.path, ex)
            return []
