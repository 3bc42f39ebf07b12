"""Ring's consumer sessions as Ring keeps them: one per hardware id, forgotten after a while,
and a limit on how many one address may open (docs/ring-apis.md §3)."""

from __future__ import annotations

import logging
import secrets
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

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


# The session answer's profile, as ring_doorbell's fixture has it (tests/fixtures/ring_session.json
# at 0.9.14): these keys and no others. The feature flags are the fixture's kind of values.
_FEATURES: dict[str, bool | int] = {
    "chime_dnd_enabled": False,
    "chime_pro_enabled": True,
    "delete_all_enabled": True,
    "delete_all_settings_enabled": False,
    "device_health_alerts_enabled": True,
    "floodlight_cam_enabled": True,
    "live_view_settings_enabled": True,
    "lpd_enabled": True,
    "lpd_motion_announcement_enabled": False,
    "multiple_calls_enabled": True,
    "multiple_delete_enabled": True,
    "nw_enabled": True,
    "nw_larger_area_enabled": False,
    "nw_user_activated": False,
    "owner_proactive_snoozing_enabled": True,
    "power_cable_enabled": False,
    "proactive_snoozing_enabled": False,
    "reactive_snoozing_enabled": False,
    "remote_logging_format_storing": False,
    "remote_logging_level": 4303,
    "ringplus_enabled": True,
    "starred_events_enabled": True,
    "stickupcam_setup_enabled": True,
    "subscriptions_enabled": True,
    "ujet_enabled": False,
    "video_search_enabled": False,
    "vod_enabled": False,
}


def session_profile(email: str) -> dict[str, Any]:
    """The body of POST /clients_api/session (docs/ring-apis.md §1.2)."""
    return {
        "profile": {
            "authentication_token": secrets.token_hex(10),
            "email": email,
            "features": dict(_FEATURES),
            "first_name": "Demo",
            "id": 4100001,
            "last_name": "User",
        }
    }
