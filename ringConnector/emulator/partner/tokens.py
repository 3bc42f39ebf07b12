"""The partner client's issued tokens: one-minute codes, four-hour access tokens, rotating refreshes."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from ..oauth import AccessTokens
from ..scenario import PartnerApp

_LOGGER = logging.getLogger(__name__)

# Ring's partner docs: a code must be exchanged within 1 minute; access tokens answer
# expires_in 14400 (about 4 h); refresh tokens last about 30 days.
CODE_LIFETIME = 60
ACCESS_TOKEN_LIFETIME = 14_400
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600


class PartnerIssuedTokens(AccessTokens):
    """Codes and tokens of the one partner client; thread-safe, timed on the wall clock."""

    def __init__(self, app: PartnerApp, wall_clock: Callable[[], float]) -> None:
        """Start with no codes and no tokens."""
        super().__init__(wall_clock)
        self._app = app
        self._codes: dict[str, float] = {}  # code -> issued at
        self._refresh: dict[str, tuple[float, str]] = {}  # refresh -> (expiry, its access token)
        # Used and revoked refresh tokens: still recognised as partner tokens, never accepted.
        self._retired: set[str] = set()

    def client_ok(self, client_id: str, client_secret: str) -> bool:
        """Tell whether the client credentials are the partner app's."""
        return secrets.compare_digest(client_id.encode(), self._app.client_id.encode()) and (
            secrets.compare_digest(client_secret.encode(), self._app.client_secret.encode())
        )

    def is_partner_client(self, client_id: str) -> bool:
        """Tell whether a client id names the partner app (so a grant is meant for it)."""
        return client_id == self._app.client_id

    def issue_code(self) -> str:
        """Issue a one-time authorization code, as Ring sends one to the partner's exchange URL."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = self._clock()
        return code

    def exchange_code(self, code: str) -> dict[str, Any] | None:
        """Use up a code for a new token pair, or return None if it is unknown, used or expired."""
        with self._lock:
            issued = self._codes.pop(code, None)
            if issued is None or self._clock() - issued > CODE_LIFETIME:
                return None
        return self.issue()

    def issue(self) -> dict[str, Any]:
        """Issue a new access/refresh pair and return the token endpoint's answer."""
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            now = self._clock()
            self._access[access] = now + ACCESS_TOKEN_LIFETIME
            self._refresh[refresh] = (now + REFRESH_TOKEN_LIFETIME, access)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "scope": "partner",
            "expires_in": ACCESS_TOKEN_LIFETIME,
            "token_type": "Bearer",
        }

    def knows_refresh(self, token: str) -> bool:
        """Tell whether a refresh token is (or was) a partner one."""
        with self._lock:
            return token in self._refresh or token in self._retired

    def refresh(self, refresh_token: str) -> dict[str, Any] | None:
        """Rotate a current refresh token into a new pair, or return None if it is not current."""
        with self._lock:
            entry = self._refresh.pop(refresh_token, None)
            if entry is None:
                return None
            self._retired.add(refresh_token)
            # The refresh retires the pair at once: its access token stops working too.
            self._access.pop(entry[1], None)
            if self._clock() >= entry[0]:
                return None
        return self.issue()

    def revoke_all(self) -> None:
        """Invalidate every access and refresh token: the user must link the account again."""
        with self._lock:
            self._access.clear()
            self._retired.update(self._refresh)
            self._refresh.clear()
