"""What Google's side of push holds: check-ins, registrations and their keys, messages waiting
for an acknowledgement, the live MCS connections, and the faults a test sets."""

from __future__ import annotations

import itertools
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Registration:
    """One push client as it registered: GCM ids, its tokens and its Web Push keys."""

    android_id: int
    security_token: int
    app_id: str = ""  # the X-subtype of c2dm/register3: every data message carries it
    gcm_token: str = ""
    fcm_token: str = ""
    p256dh: str = ""  # urlsafe base64 of the client's P-256 public point
    auth: str = ""  # urlsafe base64 of its 16-byte auth secret
    # persistent id -> the message (kept until acknowledged: MCS redelivers on the next login)
    waiting: dict[str, Message] = field(default_factory=dict)


@dataclass(frozen=True)
class Message:
    """One data message as sent: its persistent id and the notification it carries."""

    persistent_id: str
    notification: dict[str, Any]
    poison: bool = False  # encrypted under the wrong keys: the client cannot decrypt it
    keys: str = "padded"  # how its crypto-key and salt are written (mcs.KEY_STYLES)


class PushState:
    """Google's push side, shared by the registration host and the MCS socket."""

    def __init__(self) -> None:
        """No client is registered yet."""
        self._lock = threading.Lock()
        self._by_android: dict[int, Registration] = {}
        self._ids = itertools.count(1)
        self.counts: Counter[str] = Counter()
        self.reject_registrations = False  # every check-in and registration answers an error
        self.silent = False  # the MCS socket stops answering (no login answer, no heartbeat ack)
        self.failing = Counter[str]()  # registration call -> how many of the next to fail
        self.hanging_up = Counter[str]()  # registration call -> how many of the next to hang up on
        self.connections: set[Any] = set()  # the live MCS connections' writers (to drop them)
        self.on_change: list[Any] = []  # told when a message waits (the MCS server delivers it)

    # --- registration -------------------------------------------------------------------

    def check_in(self, android_id: int | None, security_token: int | None) -> Registration | None:
        """A check-in: the known client for its ids, a new one without ids, None for unknown ids."""
        with self._lock:
            self.counts["checkin"] += 1
            if android_id:
                found = self._by_android.get(android_id)
                return found if found is not None and found.security_token == security_token else None
            android = 4_000_000_000_000_000_000 + next(self._ids)
            registration = Registration(android, secrets.randbits(62))
            self._by_android[android] = registration
            return registration

    def find(self, android_id: int, security_token: int | None = None) -> Registration | None:
        """The registration of a GCM client (checking its secret when given)."""
        with self._lock:
            found = self._by_android.get(android_id)
            if found is None or (security_token is not None and found.security_token != security_token):
                return None
            return found

    def by_gcm_token(self, gcm_token: str) -> Registration | None:
        """The registration that c2dm/register3 gave `gcm_token`."""
        with self._lock:
            return next((r for r in self._by_android.values() if r.gcm_token == gcm_token), None)

    def by_token(self, fcm_token: str) -> Registration | None:
        """The registration behind an FCM token (what Ring was told by PATCH /clients_api/device)."""
        with self._lock:
            return next((r for r in self._by_android.values() if r.fcm_token == fcm_token), None)

    def fault(self, call: str) -> str | None:
        """ "fail" or "hang up" if the next `call` (checkin, register, installation, registration)
        is to go wrong, counting it off; None to answer it."""
        with self._lock:
            for kind, book in (("hang up", self.hanging_up), ("fail", self.failing)):
                if book[call] > 0:
                    book[call] -= 1
                    return kind
        return None

    def android_ids(self) -> list[int]:
        """Every registered client's android id."""
        with self._lock:
            return list(self._by_android)

    def forget_all(self) -> None:
        """Google forgets every registration (a client must register from scratch)."""
        with self._lock:
            self._by_android.clear()

    def count(self, what: str) -> int:
        """How many `what` (checkin, register, installation, registration, login, ack ...) came."""
        with self._lock:
            return self.counts[what]

    def bump(self, what: str) -> None:
        """Count one `what`."""
        with self._lock:
            self.counts[what] += 1

    # --- messages -------------------------------------------------------------------------

    def send(
        self, fcm_token: str, notification: dict[str, Any], *, poison: bool = False, keys: str = "padded"
    ) -> str | None:
        """Queue a data message for the client behind `fcm_token`, its keys written in the style
        `keys`; its persistent id (None: no such client, the message is dropped as Google drops
        one for an unknown token)."""
        with self._lock:
            registration = next((r for r in self._by_android.values() if r.fcm_token == fcm_token), None)
            if registration is None:
                self.counts["unknown_token"] += 1
                return None
            persistent_id = f"0:{next(self._ids):016d}%{secrets.token_hex(8)}"
            registration.waiting[persistent_id] = Message(persistent_id, notification, poison, keys)
            self.counts["sent"] += 1
        for listener in list(self.on_change):
            listener()
        return persistent_id

    def acknowledged(self, android_id: int, persistent_ids: list[str]) -> None:
        """The client acknowledged these messages: they are not delivered again."""
        with self._lock:
            found = self._by_android.get(android_id)
            for persistent_id in persistent_ids:
                if found is not None and found.waiting.pop(persistent_id, None) is not None:
                    self.counts["ack"] += 1

    def waiting(self, android_id: int) -> list[Message]:
        """The messages not acknowledged yet, oldest first."""
        with self._lock:
            found = self._by_android.get(android_id)
            return list(found.waiting.values()) if found is not None else []
