"""A manually advanced clock, to control the emulator's time (token expiry, storage readiness)."""

from __future__ import annotations

import logging
import threading

_LOGGER = logging.getLogger(__name__)


class ManualClock:
    """A monotonic clock that moves only when told to; pass it as Emulator(clock=...)."""

    def __init__(self, start: float = 1000.0) -> None:
        """Start at `start` seconds."""
        self._lock = threading.Lock()
        self._now = start

    def __call__(self) -> float:
        """Return the current time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by `seconds` (never backward: it is a monotonic clock)."""
        if seconds < 0:
            raise ValueError("a monotonic clock cannot go back")
        with self._lock:
            self._now += seconds
