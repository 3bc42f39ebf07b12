"""The Partner API's mutable state: tokens, offline devices, clip logs and tickets, WHEP sessions."""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..http.presigned import SIGNATURE_MISMATCH, refusal
from ..scenario import PartnerApp
from .clip_request import Clip
from .linking import AppIntegration
from .tokens import PartnerIssuedTokens
from .webhooks import WebhookSender

_LOGGER = logging.getLogger(__name__)

# Ring ends a live view by itself after about 30 s on battery devices and 60 s on line-powered
# ones (https://developer.amazon.com/docs/ring/live-video.html, docs/ring-apis.md §2.7).
BATTERY_SESSION_LIMIT_MS = 30_000
SESSION_LIMIT_MS = 60_000
# The Partner API allows 100 requests per second per client id.
RATE_LIMIT = 100
REDIRECT_STATUSES = (301, 302, 303, 307)
# How history's links.next behaves: Ring's cursors, or a broken paging a client must survive
# (the same URL again, or new URLs that serve the same page again).
HISTORY_PAGING = ("cursor", "repeat", "stale")


@dataclasses.dataclass
class WhepSession:
    """One live view: its offer and answer, and when it started and stopped (epoch ms)."""

    id: str
    device: str
    offer: str
    answer: str
    created_ms: int
    deleted_ms: int | None = None
    # When Ring ends it by itself (battery or line power: scenario.Device.battery).
    limit_ms: int = SESSION_LIMIT_MS
    # The on_demand history event its recording became, once it ended.
    event_id: int | None = None


class PartnerState:
    """Everything partner-side that changes while the emulator runs; every method is thread-safe."""

    def __init__(self, app: PartnerApp, wall_clock: Callable[[], float], clip_bytes_per_second: int) -> None:
        """Start with no tokens, every device online, and clips served directly."""
        self._lock = threading.Lock()
        self.app = dataclasses.replace(app)
        self.wall_clock = wall_clock
        self.clip_bytes_per_second = clip_bytes_per_second
        self.tokens = PartnerIssuedTokens(self.app, wall_clock)
        self.integration = AppIntegration(self.app.hmac_key, wall_clock)
        self.webhooks = WebhookSender(self.app.hmac_key, wall_clock, sending=self.integration.completed)
        self._offline: set[str] = set()
        self._redirect: int | None = None
        self._processing_ms = 0
        self._image_tickets: dict[str, tuple[str, str, str, float]] = {}
        self._paging = "cursor"
        self._clip_requests: list[dict[str, Any]] = []
        self._clip_fetches: list[dict[str, Any]] = []
        self._downloads: Counter[str] = Counter()
        self._tickets: dict[str, tuple[str, Clip, float]] = {}  # ticket -> (signature, clip, issued)
        self._sessions: dict[str, WhepSession] = {}
        self._rate_window = (0, 0)  # (monotonic second, requests in it)

    def now_ms(self) -> int:
        """Return the wall clock's now in epoch milliseconds."""
        return int(self.wall_clock() * 1000)

    def new_link(self) -> tuple[str, str]:
        """The user links the app again: a one-time authorization code (for the token exchange
        URL) and the Account Link URL with the link's nonce (for the user's browser)."""
        return self.tokens.issue_code(), self.integration.start()

    # --- devices, redirects, rate ---------------------------------------------------------

    def set_offline(self, device_id: str, offline: bool) -> None:
        """Take a device offline (clips and live views answer 503) or bring it back."""
        with self._lock:
            (self._offline.add if offline else self._offline.discard)(device_id)

    def is_offline(self, device_id: str) -> bool:
        """Tell whether a device is offline."""
        with self._lock:
            return device_id in self._offline

    @property
    def clip_redirect(self) -> int | None:
        """Return the status clip downloads redirect with, or None when served directly."""
        with self._lock:
            return self._redirect

    @property
    def processing_ms(self) -> int:
        """How long after it is recorded footage can be downloaded (0: at once)."""
        with self._lock:
            return self._processing_ms

    def set_processing(self, seconds: float) -> None:
        """Make footage downloadable only `seconds` after it was recorded: a clip asked sooner is
        cut there (206), or is a 416 when none of it is ready."""
        with self._lock:
            self._processing_ms = round(seconds * 1000)

    def history_paging(self) -> str:
        """Return how history's links.next behaves (one of HISTORY_PAGING)."""
        with self._lock:
            return self._paging

    def set_history_paging(self, mode: str) -> None:
        """Make links.next follow Ring's cursors ("cursor") or loop ("repeat", "stale")."""
        if mode not in HISTORY_PAGING:
            raise ValueError(f"history paging must be one of {HISTORY_PAGING}")
        with self._lock:
            self._paging = mode

    def set_clip_redirect(self, status: int | None) -> None:
        """Redirect clip downloads to storage with `status`, or serve them directly (None)."""
        if status is not None and status not in REDIRECT_STATUSES:
            raise ValueError(f"redirect status must be one of {REDIRECT_STATUSES} or None")
        with self._lock:
            self._redirect = status

    def rate_remaining(self) -> int:
        """Count one request in this second and return how many of the limit are left."""
        # Real seconds, not the injectable clocks: a frozen test clock must not exhaust the limit.
        second = int(time.monotonic())
        with self._lock:
            start, used = self._rate_window
            used = used + 1 if start == second else 1
            self._rate_window = (second, used)
        return max(0, RATE_LIMIT - used)

    # --- clips ----------------------------------------------------------------------------

    def log_clip_request(self, entry: dict[str, Any]) -> None:
        """Remember one clip download request (API host)."""
        with self._lock:
            self._clip_requests.append(entry)

    def clip_requests(self) -> list[dict[str, Any]]:
        """Return the clip download requests received, oldest first."""
        with self._lock:
            return [dict(e) for e in self._clip_requests]

    def log_clip_fetch(self, entry: dict[str, Any]) -> None:
        """Remember one request to a pre-signed clip URL (storage host)."""
        with self._lock:
            self._clip_fetches.append(entry)

    def clip_fetches(self) -> list[dict[str, Any]]:
        """Return the requests to pre-signed clip URLs, oldest first."""
        with self._lock:
            return [dict(e) for e in self._clip_fetches]

    def count_clip_download(self, device_id: str, n: int = 1) -> None:
        """Count one completed clip body of a device (n=-1 takes one back)."""
        with self._lock:
            self._downloads[device_id] += n

    def clip_downloads(self, device_id: str) -> int:
        """Return the completed clip bodies of a device."""
        with self._lock:
            return self._downloads[device_id]

    def reset_counters(self) -> None:
        """Zero the clip download counts."""
        with self._lock:
            self._downloads.clear()

    def sign_clip(self, clip: Clip) -> tuple[str, str]:
        """Remember a decided clip behind a new pre-signed URL; return (ticket, signature)."""
        ticket, signature = secrets.token_hex(16), secrets.token_hex(32)
        with self._lock:
            self._tickets[ticket] = (signature, clip, self.wall_clock())
        return ticket, signature

    def signed_clip(self, ticket: str, signature: str | None, device_id: str) -> Clip | str:
        """Return the clip a pre-signed URL stands for, or why S3 would refuse it."""
        with self._lock:
            found = self._tickets.get(ticket)
            now = self.wall_clock()
        if found is None or found[0] != signature or found[1].device_id != device_id:
            return SIGNATURE_MISMATCH
        return refusal(found[2], now) or found[1]

    def sign_image(self, device_id: str, key: str) -> tuple[str, str]:
        """Remember an event's picture behind a new pre-signed URL; return (ticket, signature)."""
        ticket, signature = secrets.token_hex(16), secrets.token_hex(32)
        with self._lock:
            self._image_tickets[ticket] = (signature, device_id, key, self.wall_clock())
        return ticket, signature

    def signed_image(
        self, ticket: str, signature: str | None, device_id: str
    ) -> tuple[str | None, str | None]:
        """(the event key a pre-signed image URL stands for, None) or (None, why S3 refuses it)."""
        with self._lock:
            found = self._image_tickets.get(ticket)
            now = self.wall_clock()
        if found is None or found[0] != signature or found[1] != device_id:
            return None, SIGNATURE_MISMATCH
        refused = refusal(found[3], now)
        return (None, refused) if refused else (found[2], None)

    # --- live views -----------------------------------------------------------------------

    def add_session(self, session: WhepSession) -> None:
        """Remember a new live view."""
        with self._lock:
            self._sessions[session.id] = session

    def end_session(self, device_id: str, session_id: str, now_ms: int) -> WhepSession | None:
        """Stop a running live view of the device; None if there is no such running session."""
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or session.device != device_id or session.deleted_ms is not None:
                return None
            session.deleted_ms = min(now_ms, session.created_ms + session.limit_ms)
            return dataclasses.replace(session)

    def time_out_sessions(self, now_ms: int) -> list[WhepSession]:
        """End the live views older than the limit at the limit; return those just ended."""
        ended = []
        with self._lock:
            for session in self._sessions.values():
                if session.deleted_ms is None and now_ms >= session.created_ms + session.limit_ms:
                    session.deleted_ms = session.created_ms + session.limit_ms
                    ended.append(dataclasses.replace(session))
        return ended

    def set_session_event(self, session_id: str, event_id: int) -> None:
        """Note the on_demand event an ended live view became."""
        with self._lock:
            self._sessions[session_id].event_id = event_id

    def sessions(self) -> list[dict[str, Any]]:
        """Return every live view as plain data, oldest first."""
        with self._lock:
            return [dataclasses.asdict(s) for s in self._sessions.values()]
