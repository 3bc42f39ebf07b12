"""The consumer side's mutable state: the account, its issued tokens, and its recordings in storage."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from ..http.presigned import refusal
from ..scenario import Account, Event
from .sessions import Sessions
from .tokens import IssuedTokens, SignInControls

_LOGGER = logging.getLogger(__name__)
# The longest a body waits for others to be sent with it (real seconds, whatever the clock).
HOLD_LIMIT = 10.0


class ConsumerState:
    """The account, its tokens, and its recordings' signatures, readiness and downloads; thread-safe.

    The emulator's shared state extends this class (so `Emulator.state.peak_streaming` and the
    like stay where callers read them) and shares its lock, so a snapshot of every counter is
    taken at one moment.
    """

    def __init__(self, account: Account, clock: Callable[[], float]) -> None:
        """Copy the account; no tokens, signatures or downloads yet. The start is now on `clock`."""
        self._lock = threading.Lock()
        self.clock = clock
        self.started_at = clock()
        self.account = dataclasses.replace(account)
        self.tokens = IssuedTokens(clock)
        self.sessions = Sessions(clock)  # Ring's sessions by hardware id
        self.sign_in = SignInControls()  # how the token endpoint answers sign-ins
        self._signatures: dict[str, tuple[int, float]] = {}
        self._storage_gets: Counter[int] = Counter()
        self._downloads: Counter[int] = Counter()
        self._bytes: Counter[int] = Counter()
        self._streaming = 0
        self.peak_streaming = 0  # recording bodies sent at the same time, at most
        # A test's gate: bodies wait until this many have been sent at once (see together()).
        self._hold_until = 0
        self._held_enough = asyncio.Event()  # set once peak_streaming reaches _hold_until
        self._push_tokens: dict[str, str] = {}  # hardware id -> FCM token (PATCH /clients_api/device)

    def subscribe_push(self, hardware_id: str, token: str) -> None:
        """Remember where the installation of `hardware_id` wants its pushes."""
        with self._lock:
            self._push_tokens[hardware_id] = token

    def push_tokens(self) -> dict[str, str]:
        """The push tokens Ring was given, by hardware id."""
        with self._lock:
            return dict(self._push_tokens)

    def sign(self, event_id: int) -> str:
        """Issue and remember a new storage signature for one event."""
        signature = secrets.token_hex(32)
        with self._lock:
            self._signatures[signature] = (event_id, self.clock())
        return signature

    def check_signature(self, signature: str | None, event_id: int) -> str | None:
        """Return None if the signature is good for the event, else why it is not."""
        with self._lock:
            issued = self._signatures.get(signature or "")
            now = self.clock()
        return refusal(issued[1] if issued is not None and issued[0] == event_id else None, now)

    def recording_status(self, event: Event) -> str | None:
        """The recording's status now: Ring prepares it over time, on the emulator's clock
        (docs/ring-apis.md §1.5: storage 404s until prepared, the same URL works later)."""
        if event.recording_status != "ready" or event.ready_after_seconds is None:
            return event.recording_status
        with self._lock:
            elapsed = self.clock() - self.started_at
        return "ready" if elapsed >= event.ready_after_seconds else event.recording_status_before

    def still_status(self, event: Event) -> str:
        """What Ring has of the event's still picture now: Event.still, or "not_ready" until
        its still_after_seconds, on the emulator's clock."""
        if event.still in ("ready", "corrupt") and event.still_after_seconds is not None:
            with self._lock:
                elapsed = self.clock() - self.started_at
            if elapsed < event.still_after_seconds:
                return "not_ready"
        return event.still

    def storage_ready(self, event: Event, *, hit: bool) -> bool:
        """Tell whether storage serves the recording yet; `hit` counts this GET towards it."""
        with self._lock:
            if hit:
                self._storage_gets[event.id] += 1
            hits = self._storage_gets[event.id]
            elapsed = self.clock() - self.started_at
        return (
            self.recording_status(event) == "ready"
            and hits > event.prepare_after_hits
            and elapsed >= event.prepare_after_seconds
        )

    def storage_gets(self, event_id: int) -> int:
        """Return the storage GETs of one event's recording, answered or not."""
        with self._lock:
            return self._storage_gets[event_id]

    def record_bytes(self, event_id: int, n: int) -> None:
        """Count body bytes written for one event."""
        with self._lock:
            self._bytes[event_id] += n

    def record_download(self, event_id: int, n: int = 1) -> None:
        """Count one completed 200 download of an event (n=-1 takes one back)."""
        with self._lock:
            self._downloads[event_id] += n

    @contextlib.contextmanager
    def streaming(self) -> Iterator[None]:
        """Count a recording body being sent, keeping the most ever sent at once."""
        with self._lock:
            self._streaming += 1
            self.peak_streaming = max(self.peak_streaming, self._streaming)
            if self.peak_streaming >= self._hold_until:
                self._held_enough.set()  # called in the storage host's loop, as together() is
        try:
            yield
        finally:
            with self._lock:
                self._streaming -= 1

    def hold_bodies_until(self, streams: int) -> None:
        """From now on, hold each body until `streams` bodies have been sent at once (0: never
        hold): a test of parallel downloads then sees them overlap however slowly its machine
        runs, while a client that fetches fewer at a time only waits (HOLD_LIMIT each)."""
        with self._lock:
            self._hold_until = streams
            self.peak_streaming = self._streaming
            self._held_enough.clear()

    async def together(self) -> None:
        """Wait as hold_bodies_until() says (in the storage host's loop)."""
        if self.peak_streaming < self._hold_until:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._held_enough.wait(), HOLD_LIMIT)

    def downloads(self, event_id: int) -> int:
        """Return the completed downloads of one event."""
        with self._lock:
            return self._downloads[event_id]

    def bytes_sent(self, event_id: int | None = None) -> int:
        """Return the body bytes written, for one event or in total."""
        with self._lock:
            return self._bytes[event_id] if event_id is not None else sum(self._bytes.values())

    def _reset_recording_counts(self) -> None:
        """Zero the download and byte counts; the caller holds the lock."""
        self._downloads.clear()
        self._bytes.clear()
        self.peak_streaming = self._streaming

    def _recording_counts(self) -> dict[str, Any]:
        """Return the download and byte counts as JSON-ready data; the caller holds the lock."""
        return {
            "downloads": {str(k): n for k, n in self._downloads.items()},
            "storage_bytes": sum(self._bytes.values()),
        }
