"""Refreshing a token once for every thread, task and process that shares its file.

Ring rotates refresh tokens: a second refresh with the one just spent is rejected, and the
user would have to sign in again. So a refresh happens under two locks, this process's and the
token file's, and only if nobody refreshed since the caller's token went stale: another thread
(or task) of this process, seen in memory, or another process (the script beside the server),
seen on disk.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ringConnector.storage.tokens import TokenFile

_LOGGER = logging.getLogger(__name__)
# A token this close to expiry is treated as expired when adopting one from the file.
EXPIRY_MARGIN = 60.0
Token = dict[str, Any]


class RefreshOnce:
    """The refresh protocol for one token file; its `run` blocks (call async code's from a thread)."""

    def __init__(self, tokens: TokenFile, *, clock: Callable[[], float] = time.time) -> None:
        """Guard refreshes of the token in `tokens`."""
        self.tokens = tokens
        self._lock = threading.Lock()
        self._clock = clock

    def run(
        self,
        stale: str | None,
        *,
        current: Callable[[], Token],
        refresh: Callable[[str | None], None],
        adopt: Callable[[Token], None],
    ) -> None:
        """Make sure the token in use is newer than the access token `stale`.

        `current()` is the token in use now; `adopt(token)` takes another process's newer one;
        `refresh(refresh_token)` asks Ring for a new pair and saves it (the newest refresh
        token known: the file's, else the one in memory).
        """
        with self._lock:
            if current().get("access_token") != stale:
                return  # another thread or task of this process refreshed meanwhile
            with self.tokens.lock:
                on_disk = self.tokens.peek() or {}
                if on_disk.get("access_token") not in (None, stale) and not self._expired(on_disk):
                    _LOGGER.info("using the token another process refreshed")
                    adopt(on_disk)
                    return
                newest = on_disk.get("refresh_token") or current().get("refresh_token")
                refresh(str(newest) if newest else None)

    def _expired(self, token: Token) -> bool:
        return float(token.get("expires_at") or 0) - EXPIRY_MARGIN <= self._clock()
