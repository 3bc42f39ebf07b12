"""Ring's session profile and device list, kept beside the token so the next process reuses them.

A cron job or a script run starts a new process each time; without this each run would open a
new Ring session and read the device list again before touching history. Both are reused while
the access token they were fetched with is still the one in use (the device list also ages out).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ringConnector.storage.atomic import write_json
from ringConnector.storage.tokens import PRIVATE

_LOGGER = logging.getLogger(__name__)


def fingerprint(access_token: str) -> str:
    """A short one-way digest of the access token: enough to match, useless to an attacker."""
    return hashlib.sha256(access_token.encode()).hexdigest()[:16]


class SessionCache:
    """`<OAUTH_FILE>.session.json` (0600): {"token": digest, "session": ..., "devices": ...}."""

    def __init__(self, token_path: Path, clock: Callable[[], float] = time.time) -> None:
        """Keep the cache beside the token file."""
        self.path = token_path.with_name(token_path.name + ".session.json")
        self._clock = clock

    def session(self, access_token: str) -> dict[str, Any] | None:
        """The session opened with this access token, if any."""
        entry = self._entry(access_token)
        found = entry.get("session")
        return found if isinstance(found, dict) else None

    def devices(self, access_token: str, max_age: float) -> dict[str, list[dict[str, Any]]] | None:
        """The device list read with this access token, if younger than `max_age` seconds."""
        entry = self._entry(access_token)
        if self._clock() - float(entry.get("devices_at") or 0) > max_age:
            return None
        found = entry.get("devices")
        return found if isinstance(found, dict) else None

    def save(self, access_token: str, **parts: Any) -> None:
        """Merge `session=` and/or `devices=` into the cache (atomically, 0600)."""
        entry = self._entry(access_token) or {"token": fingerprint(access_token)}
        entry.update(parts)
        if "devices" in parts:
            entry["devices_at"] = self._clock()
        try:
            write_json(self.path, entry, mode=PRIVATE)
        except OSError as ex:  # a cache: never worth failing a download over
            _LOGGER.warning("could not write %s: %s", self.path, ex)

    def _entry(self, access_token: str) -> dict[str, Any]:
        try:
            entry = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(entry, dict) or entry.get("token") != fingerprint(access_token):
            return {}
        return entry
