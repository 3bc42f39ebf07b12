"""Ring's session and device list, kept beside the token so every later process reuses them.

Ring keeps one session per `hardware_id` (docs/ring-apis.md §1.2, §3), whatever access token
is in use: a token refresh does not end it. So the cache is keyed on the hardware id, which is
stable (TokenFile.hardware_id()); keying it on the token made every cron run that refreshed
open a new session, and Ring answers 406 to an address that opens too many.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ringConnector.storage.atomic import write_json
from ringConnector.storage.tokens import PRIVATE

_LOGGER = logging.getLogger(__name__)


class SessionCache:
    """`<OAUTH_FILE>.session.json` (0600): {"hardware_id", "session", "session_at", "devices",
    "devices_at", "refused_at"}; times are epoch seconds on `clock`."""

    def __init__(self, token_path: Path, clock: Callable[[], float] = time.time) -> None:
        """Keep the cache beside the token file."""
        self.path = token_path.with_name(token_path.name + ".session.json")
        self._clock = clock

    def session(self, hardware_id: str, max_age: float) -> dict[str, Any] | None:
        """The session opened for this hardware id, if younger than `max_age` seconds."""
        entry = self._entry(hardware_id)
        found = entry.get("session")
        if not isinstance(found, dict) or self._age(entry, "session_at") > max_age:
            return None
        return found

    def session_age(self, hardware_id: str) -> float:
        """Seconds since the cached session was opened (infinite when there is none)."""
        entry = self._entry(hardware_id)
        return self._age(entry, "session_at") if isinstance(entry.get("session"), dict) else float("inf")

    def devices(self, hardware_id: str, max_age: float) -> dict[str, list[dict[str, Any]]] | None:
        """The device list read for this hardware id, if younger than `max_age` seconds."""
        entry = self._entry(hardware_id)
        if self._age(entry, "devices_at") > max_age:
            return None
        found = entry.get("devices")
        return found if isinstance(found, dict) else None

    def refused_since(self, hardware_id: str) -> float:
        """Seconds since Ring last refused to open a session (infinite if it never did)."""
        return self._age(self._entry(hardware_id), "refused_at")

    def save(self, hardware_id: str, **parts: Any) -> None:
        """Merge `session=`, `devices=` and/or `refused=True` into the cache (atomically, 0600).

        A new session clears a refusal; `session=None` forgets the session."""
        entry = self._entry(hardware_id) or {"hardware_id": hardware_id}
        now = self._clock()
        if parts.pop("refused", False):
            entry["refused_at"] = now
        if "session" in parts:
            entry["session_at"] = now
            entry.pop("refused_at", None)
        if "devices" in parts:
            entry["devices_at"] = now
        entry.update(parts)
        try:
            write_json(self.path, entry, mode=PRIVATE)
        except OSError as ex:  # a cache: never worth failing a download over
            _LOGGER.warning("could not write %s: %s", self.path, ex)

    def _age(self, entry: dict[str, Any], key: str) -> float:
        at = entry.get(key)
        return self._clock() - float(at) if isinstance(at, int | float) else float("inf")

    def _entry(self, hardware_id: str) -> dict[str, Any]:
        try:
            entry = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(entry, dict) or entry.get("hardware_id") != hardware_id:
            return {}  # another installation's (or the old token-keyed format): not ours
        return entry
