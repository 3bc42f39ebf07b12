"""The emulator's mutable state, shared by the server thread and the controlling thread."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .consumer.state import ConsumerState
from .http.faults import FaultBook
from .http.stills import snapshot_uuid
from .partner.state import PartnerState
from .push.state import PushState
from .scenario import VIDEO_DEVICE_TYPES, Device, Event, Scenario

_LOGGER = logging.getLogger(__name__)


class EmulatorState(ConsumerState):
    """What both hosts share (devices, events, counters, faults), plus each side's; thread-safe.

    The consumer side's state is inherited from ConsumerState, the partner side's is `partner`.
    """

    def __init__(
        self,
        scenario: Scenario,
        clock: Callable[[], float],
        wall_clock: Callable[[], float] = time.time,
        clip_bytes_per_second: int = 50_000,
    ) -> None:
        """Copy the scenario so that runtime changes never leak into the caller's objects."""
        super().__init__(scenario.account, clock)
        self.faults = FaultBook()
        self.partner = PartnerState(scenario.partner_app, wall_clock, clip_bytes_per_second)
        self.push = PushState()  # Google's side of the consumer API's push
        self._devices = {d.id: dataclasses.replace(d) for d in scenario.devices}
        self._events = {e.id: dataclasses.replace(e) for e in scenario.events}
        self._requests: Counter[tuple[str, str | None]] = Counter()
        self._hardware_ids: set[str] = set()
        # Told of each event added at runtime (the Partner host's webhooks), outside the lock.
        self.event_listeners: list[Callable[[Event], None]] = []

    # --- devices and events -------------------------------------------------------------

    def devices(self) -> list[Device]:
        """Return copies of all devices."""
        with self._lock:
            return [dataclasses.replace(d) for d in self._devices.values()]

    def device(self, device_id: int) -> Device | None:
        """Return a copy of one device, or None."""
        with self._lock:
            found = self._devices.get(device_id)
            return dataclasses.replace(found) if found else None

    def event(self, event_id: int) -> Event | None:
        """Return a copy of one event, or None."""
        with self._lock:
            found = self._events.get(event_id)
            return dataclasses.replace(found) if found else None

    def event_by_snapshot_uuid(self, wanted: str) -> Event | None:
        """The event whose push named this snapshot uuid (without its ":..." part), or None."""
        with self._lock:
            events = list(self._events.values())
        for event in events:
            if snapshot_uuid(event.id).split(":", 1)[0] == wanted:
                return dataclasses.replace(event)
        return None

    def history(self, device_id: int, limit: int, older_than: int | None) -> list[Event]:
        """Return up to `limit` events of a device, newest first, older than event `older_than`."""
        # Stored events are replaced, never mutated, so sorting references outside the lock is
        # safe; only the page handed out is copied.
        now = self.partner.wall_clock()
        with self._lock:
            # Ring lists what has happened: an event after the wall clock's now is not history yet.
            mine = [e for e in self._events.values() if e.device_id == device_id and not self.future(e, now)]
        mine.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        if older_than is not None:
            ids = [e.id for e in mine]
            if older_than in ids:
                mine = mine[ids.index(older_than) + 1 :]
            else:
                # Not one of this device's events: ids grow with time, so compare numerically.
                mine = [e for e in mine if e.id < older_than]
        # Each copy carries its recording's status now: Ring prepares recordings over time.
        return [dataclasses.replace(e, recording_status=self.recording_status(e)) for e in mine[:limit]]

    def future(self, event: Event, now: float | None = None) -> bool:
        """Tell whether an event starts after the wall clock's now (Ring knows nothing of it)."""
        return event.created_at.timestamp() > (self.partner.wall_clock() if now is None else now)

    def add_events(self, events: Iterable[Event]) -> None:
        """Add events at runtime, as when a new ding arrives."""
        events = list(events)
        with self._lock:
            for event in events:
                device = self._devices.get(event.device_id)
                if device is None or device.device_type not in VIDEO_DEVICE_TYPES:
                    raise ValueError(f"event {event.id}: no video device {event.device_id}")
                if event.id in self._events:
                    raise ValueError(f"event {event.id} already exists")
            # Checked all first: a bad list adds nothing.
            for event in events:
                self._events[event.id] = dataclasses.replace(event)
        for event in events:
            for listener in self.event_listeners:
                listener(event)

    def set_event(self, event_id: int, **changes: Any) -> None:
        """Change fields of an event, e.g. recording_status="ready"."""
        with self._lock:
            self._events[event_id] = dataclasses.replace(self._events[event_id], **changes)

    # --- counters -----------------------------------------------------------------------

    def count_request(self, route: str, key: str | None, hardware_id: str | None) -> None:
        """Count one request on a route (under its key too) and note its hardware_id."""
        with self._lock:
            self._requests[(route, None)] += 1
            if key is not None:
                self._requests[(route, key)] += 1
            if hardware_id:
                self._hardware_ids.add(hardware_id)

    def count(self, route: str, key: str | None = None) -> int:
        """Return the requests received on a route, or on it for one key."""
        with self._lock:
            return self._requests[(route, key)]

    def counters(self) -> dict[str, int]:
        """Return the requests received per route."""
        with self._lock:
            return {route: n for (route, key), n in self._requests.items() if key is None}

    def reset_counters(self) -> None:
        """Zero request counts, download counts (clips' too) and byte counts."""
        self.partner.reset_counters()
        with self._lock:
            self._requests.clear()
            self._reset_recording_counts()

    def hardware_ids(self) -> set[str]:
        """Return every hardware_id header seen."""
        with self._lock:
            return set(self._hardware_ids)

    def snapshot(self) -> dict[str, Any]:
        """Return all counters as JSON-ready data (for the admin route)."""
        with self._lock:
            by_key: dict[str, dict[str, int]] = {}
            for (route, key), n in self._requests.items():
                if key is not None:
                    by_key.setdefault(route, {})[key] = n
            return {
                "requests": {r: n for (r, k), n in self._requests.items() if k is None},
                "requests_by_key": by_key,
                **self._recording_counts(),
                "hardware_ids": sorted(self._hardware_ids),
            }
