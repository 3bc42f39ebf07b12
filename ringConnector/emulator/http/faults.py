"""Fault injection: scripted faults and seeded random faults, chosen per request."""

from __future__ import annotations

import logging
import random
import threading
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from typing import Any

_LOGGER = logging.getLogger(__name__)

ROUTES = frozenset(
    {
        "token",
        "session",
        "devices",
        "history",
        "recording",
        "share_play",
        "storage",
        "dings_active",
        "groups",
        "push_device",  # PATCH /clients_api/device: the push token
        # The Partner API host, its clips on the storage host, and its grants on the token route.
        "partner_token",
        "partner_devices",
        "partner_capabilities",
        "partner_history",
        "partner_clip",
        "clip_storage",
        "partner_image",  # the Partner API's image download, and its pre-signed JPEG on storage
        "image_storage",
        "snapshot",  # GET /clients_api/snapshots/uuid: an event's picture by the push's uuid
        "whep",
        "whep_delete",
        # Finishing an account link: GET /v1/users/me, POST and PATCH /v1/accounts/me/app-integrations.
        "partner_user",
        "partner_link_confirm",
        "partner_link_update",
    }
)
KINDS = frozenset({"status", "drop", "short", "stall"})
# A status fault without a status is a plain server error.
DEFAULT_FAULT_STATUS = 500
# Random faults hit one request at most this many times in a row, so a client that retries a
# few times always gets through and a run of hundreds of events finishes.
MAX_CONSECUTIVE_RANDOM_FAULTS = 3


@dataclass
class Fault:
    """A scripted fault: the next `times` requests on `route` (for `key` only, if set) fail."""

    route: str
    kind: str
    times: int = 1
    status: int | None = None
    retry_after: float | None = None
    # An event id (history: device id, groups: location id, partner routes: the partner device
    # id such as "ava1.ring.device.1001") as a string.
    key: str | None = None

    def __post_init__(self) -> None:
        """Reject unknown routes and kinds early, where the test wrote them."""
        if self.route not in ROUTES:
            raise ValueError(f"unknown fault route {self.route!r}; expected one of {sorted(ROUTES)}")
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {sorted(KINDS)}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.key is not None:
            self.key = str(self.key)
        if self.kind == "status" and self.status is None:
            self.status = DEFAULT_FAULT_STATUS

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fault:
        """Build a fault from plain data (the admin route's JSON)."""
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Return the fault as plain data."""
        return asdict(self)


@dataclass(frozen=True)
class RandomFaults:
    """Faults drawn at random, reproducibly for a given seed, on some routes."""

    rate: float
    seed: int
    routes: frozenset[str] | set[str] = field(default_factory=lambda: frozenset(ROUTES))
    kinds: frozenset[str] | set[str] = field(default_factory=lambda: frozenset({"status"}))
    # Statuses a "status" fault picks from: Ring's random 500s, 503s and 429s.
    statuses: tuple[int, ...] = (500, 503, 429)
    # Sent with 429 and 503; 0 keeps fault-heavy test runs fast while still exercising parsing.
    retry_after: float | None = 0.0

    def __post_init__(self) -> None:
        """Validate the rate, routes and kinds (kept as frozensets, so the value stays hashable)."""
        object.__setattr__(self, "routes", frozenset(self.routes))
        object.__setattr__(self, "kinds", frozenset(self.kinds))
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        if not set(self.routes) <= ROUTES or not set(self.kinds) <= KINDS or not self.kinds:
            raise ValueError("unknown routes or kinds in random faults")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RandomFaults:
        """Build random faults from plain data (the admin route's JSON)."""
        data = dict(data)  # routes and kinds become frozensets in __post_init__
        if "statuses" in data:
            data["statuses"] = tuple(data["statuses"])
        return cls(**data)

    def draw(self, route: str, key: str | None, attempt: int) -> Fault | None:
        """Return the fault for the `attempt`-th request of (route, key), or None."""
        if route not in self.routes:
            return None
        # Seeding per (route, key, attempt) keeps the outcome independent of how concurrent
        # requests for other keys interleave: the same client gets the same faults every run.
        rng = random.Random(f"{self.seed}|{route}|{key}|{attempt}")  # noqa: S311 - not secrets
        if rng.random() >= self.rate:
            return None
        kind = rng.choice(sorted(self.kinds))
        status = rng.choice(self.statuses) if kind == "status" else None
        retry_after = self.retry_after if status in (429, 503) else None
        return Fault(route, kind, status=status, retry_after=retry_after, key=key)


class FaultBook:
    """The faults in force; thread-safe, as tests add faults while the server runs."""

    def __init__(self) -> None:
        """Start with no faults."""
        self._lock = threading.Lock()
        self._scripted: list[Fault] = []
        self._random: RandomFaults | None = None
        self._attempts: defaultdict[tuple[str, str | None], int] = defaultdict(int)
        self._streaks: defaultdict[tuple[str, str | None], int] = defaultdict(int)
        # Faults actually injected, by "route kind[ status]", for reliability figures.
        self.injected: Counter[str] = Counter()

    def add(self, fault: Fault) -> None:
        """Queue a scripted fault (scripted faults fire in the order they were added). A copy is
        used up, not `fault` itself, so one Fault can script any number of runs."""
        with self._lock:
            self._scripted.append(replace(fault))

    def set_random(self, faults: RandomFaults | None) -> None:
        """Replace the random faults (None switches them off) and restart their sequences."""
        with self._lock:
            self._random = faults
            self._attempts.clear()
            self._streaks.clear()

    def clear(self) -> None:
        """Remove every scripted and random fault."""
        with self._lock:
            self._scripted.clear()
            self._random = None
            self._attempts.clear()
            self._streaks.clear()

    def pending(self) -> list[Fault]:
        """Return the scripted faults not yet used up."""
        with self._lock:
            return [Fault(**f.to_dict()) for f in self._scripted]

    def pick(self, route: str, key: str | None) -> Fault | None:
        """Return the fault for this request, if any, using it up (and count it)."""
        fault = self._pick(route, key)
        if fault is not None:
            with self._lock:
                self.injected[
                    f"{fault.route} {fault.kind}" + (f" {fault.status}" if fault.kind == "status" else "")
                ] += 1
        return fault

    def _pick(self, route: str, key: str | None) -> Fault | None:
        with self._lock:
            for fault in self._scripted:
                if fault.route == route and fault.key in (None, key):
                    fault.times -= 1
                    if fault.times == 0:
                        self._scripted.remove(fault)
                    return fault
            if self._random is None:
                return None
            ident = (route, key)
            attempt = self._attempts[ident]
            self._attempts[ident] += 1
            if self._streaks[ident] >= MAX_CONSECUTIVE_RANDOM_FAULTS:
                self._streaks[ident] = 0
                return None
            drawn = self._random.draw(route, key, attempt)
            self._streaks[ident] = self._streaks[ident] + 1 if drawn else 0
            return drawn
