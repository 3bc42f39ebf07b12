"""Ring's consumer sessions as Ring keeps them: one per hardware id, forgotten after a while,
and a limit on how many one address may open (docs/ring-apis.md §3)."""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

_LOGGER = logging.getLogger(__name__)

# ring-client-api's authors believe Ring clears a session after ~24 h (rest-client.ts L475-491).
SESSION_LIFETIME = 24 * 3600.0
# About 50 sessions a day from one address, then 406 for about a day (dgreif/ring PR #389).
CREATE_LIMIT = 50
WINDOW = 24 * 3600.0


class Sessions:
    """Open sessions by hardware id, and session creations by address; thread-safe."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """No sessions; Ring's lifetime and limit (tests change them)."""
        self._lock = threading.Lock()
        self._clock = clock
        self.lifetime = SESSION_LIFETIME
        self.limit = CREATE_LIMIT
        self._opened: dict[str, float] = {}  # hardware id -> when
        self._creations: dict[str, list[float]] = defaultdict(list)  # address -> when
        self._blocked_until: dict[str, float] = {}
        self.created = 0  # sessions opened since the start

    def open(self, hardware_id: str, address: str) -> bool:
        """Open (or reopen) the hardware id's session; False if the address is refused (406)."""
        with self._lock:
            now = self._clock()
            if self._blocked_until.get(address, 0.0) > now:
                return False
            recent = [t for t in self._creations[address] if now - t < WINDOW]
            if len(recent) >= self.limit:
                self._blocked_until[address] = now + WINDOW
                self._creations[address] = recent
                return False
            recent.append(now)
            self._creations[address] = recent
            self._opened[hardware_id] = now
            self.created += 1
            return True

    def known(self, hardware_id: str) -> bool:
        """Tell whether the hardware id has a session Ring still remembers."""
        with self._lock:
            opened = self._opened.get(hardware_id)
            return opened is not None and self._clock() - opened < self.lifetime

    def forget_all(self) -> None:
        """Ring forgets every session (as it does after about a day)."""
        with self._lock:
            self._opened.clear()

    def configure(self, *, lifetime: float | None = None, limit: int | None = None) -> None:
        """Change the session lifetime (seconds) and the per-address creation limit."""
        with self._lock:
            if lifetime is not None:
                self.lifetime = lifetime
            if limit is not None:
                self.limit = limit
                self._blocked_until.clear()
