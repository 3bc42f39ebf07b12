"""The consumer app's issued tokens: hour-long access tokens and rotating refresh tokens."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..oauth import AccessTokens

_LOGGER = logging.getLogger(__name__)

# Ring's access tokens last an hour (expires_in: 3600 in every token answer).
ACCESS_TOKEN_LIFETIME = 3600


class IssuedTokens(AccessTokens):
    """The tokens issued to the consumer app; thread-safe, timed on the emulator's injectable clock."""

    def __init__(self, clock: Callable[[], float]) -> None:
        """Start with no tokens."""
        super().__init__(clock)
        self._refresh: set[str] = set()

    def issue(self) -> dict[str, Any]:
        """Issue a new access/refresh pair and return the token endpoint's answer."""
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._access[access] = self._clock() + ACCESS_TOKEN_LIFETIME
            self._refresh.add(refresh)
        # oauthlib (under ring_doorbell) compares "scope" with the ["client"] it asked for.
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "refresh_token": refresh,
            "scope": "client",
            # ring_doorbell's ring_oauth.json fixture has it; epoch seconds.
            "created_at": int(time.time()),
        }

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """Rotate a current refresh token into a new pair, or return None if it is not current."""
        with self._lock:
            if refresh_token not in self._refresh:
                return None
            # Ring rotates refresh tokens: the old one is dead from now on, while its access
            # token lives on until it expires.
            self._refresh.discard(refresh_token)
        return self.issue()

    def revoke_all(self) -> None:
        """Invalidate every access and refresh token: the user must log in again."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()


@dataclass
class SignInControls:
    """How the token endpoint answers the consumer app, beyond the account's own settings.

    `tsv_state`/`phone` override the 412 body ("" leaves the key out); `block` injects what
    Ring answers instead of a token: "cloudflare" (403 with an HTML page), "code_limit" (the
    10-codes-in-10-minutes answer), "rate_limit" (429) or "address" (406) (docs/ring-apis.md
    §1.1, §3)."""

    tsv_state: str | None = None
    phone: str = "+1xxxxxxxx89"
    block: str | None = None
