"""The Emulator's push controls: a ding happening now (pushed to every installation that gave Ring
a push token, its keys written as Google writes them, with or without the ding's id), and the
field's push faults: a dropped socket, an unreachable socket, silence, a poison message, a
registration Google rejects."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime
from typing import Any, TypedDict, Unpack

from ..scenario import Event
from ..seed import event_id
from ..state import EmulatorState
from .mcs import KEY_STYLES, McsServer
from .payloads import push_notification

_LOGGER = logging.getLogger(__name__)
# Ring has the picture of a ding this long after it rang (no public source: an assumption; the
# push is sent at once, its recording `ready_after` later).
STILL_AFTER = 0.5


class RingOptions(TypedDict, total=False):
    """How a visitor rings (`ring_now`'s options, with its defaults)."""

    kind: str
    ready_after: float
    duration: float
    pushes: int
    with_id: bool
    keys: str
    seq: int | None
    still_after: float
    still: str


class PushControls:
    """Push-side controls of the Emulator (a mixin: the Emulator provides `state` and `_mcs`)."""

    state: EmulatorState
    _mcs: McsServer | None
    _loop_call: Any  # runs a callable in the emulator's loop

    def ring_now(self, device_id: int, **options: Unpack[RingOptions]) -> Event:
        """A ding (or `kind`) on the device now: `ring_now` below, on this emulator's state."""
        return ring_now(self.state, device_id, **options)

    def push_event(self, event: Event, *, with_id: bool = True, keys: str = "padded") -> list[str]:
        """Push `event` to every installation that gave Ring a token; the persistent ids sent."""
        return push_event(self.state, event, with_id=with_id, keys=keys)

    def send_poison_push(self) -> list[str]:
        """A data message every registered client receives but cannot decrypt."""
        tokens = self.state.push_tokens().values()
        sent = [self.state.push.send(token, {"data": {}}, poison=True) for token in tokens]
        return [found for found in sent if found is not None]

    def drop_push_connections(self) -> None:
        """Cut every MCS connection (the client sees its socket die)."""
        if self._mcs is not None:
            self._loop_call(self._mcs.drop)

    def set_push_silent(self, silent: bool) -> None:
        """Make the MCS socket answer nothing (no login answer, no heartbeat acks, no messages)."""
        self.state.push.silent = silent
        if not silent:
            for listener in list(self.state.push.on_change):
                listener()

    def reject_push_registrations(self, reject: bool) -> None:
        """Make Google answer every check-in and registration with an error."""
        self.state.push.reject_registrations = reject

    def fail_push_calls(self, call: str, times: int = 1, *, hang_up: bool = False) -> None:
        """Make the next `times` registration calls `call` (installation, registration) fail with
        a 400, or (`hang_up`) close the connection unanswered."""
        (self.state.push.hanging_up if hang_up else self.state.push.failing)[call] += times

    def forget_push_registrations(self) -> None:
        """Google forgets every registration: saved credentials stop working (login refused)."""
        self.state.push.forget_all()
        self.drop_push_connections()

    def push_counts(self) -> dict[str, int]:
        """What Google's side saw: checkin, register, installation, registration, login, ack ..."""
        return dict(self.state.push.counts)

    def push_waiting(self) -> int:
        """Messages sent and not yet acknowledged, over every client."""
        return sum(len(self.state.push.waiting(a)) for a in self.state.push.android_ids())


def ring_now(
    state: EmulatorState,
    device_id: int,
    *,
    kind: str = "ding",
    ready_after: float = 5.0,
    duration: float = 10.0,
    pushes: int = 1,
    with_id: bool = True,
    keys: str = "padded",
    seq: int | None = None,
    still_after: float = STILL_AFTER,
    still: str = "ready",
) -> Event:
    """A `kind` event on the device now, in history at once (and announced by webhook on the
    Partner side), its recording ready `ready_after` seconds later and its still picture
    `still_after` seconds later (`still`: scenario.STILLS), pushed `pushes` times (without the
    ding's id unless `with_id`, the keys in the style `keys`: mcs.KEY_STYLES).

    `seq` tells events of the same second apart; None takes the first one free.
    """
    _check_keys(keys)  # before the event is in history
    now = datetime.fromtimestamp(state.partner.wall_clock(), UTC)
    elapsed = state.clock() - state.started_at
    if seq is None:
        seq = next(n for n in itertools.count() if state.event(event_id(now, n)) is None)
    event = Event(
        event_id(now, seq),
        device_id,
        now,
        kind=kind,
        duration=duration,
        ready_after_seconds=elapsed + ready_after,
        still=still,
        still_after_seconds=elapsed + still_after,
    )
    state.add_events([event])
    for _ in range(pushes):
        push_event(state, event, with_id=with_id, keys=keys)
    return event


def push_event(
    state: EmulatorState, event: Event, *, with_id: bool = True, keys: str = "padded"
) -> list[str]:
    """Push `event` to every installation that gave Ring a token, its keys in the style `keys`;
    the persistent ids sent."""
    _check_keys(keys)
    device = next(d for d in state.devices() if d.id == event.device_id)
    notification = push_notification(event, device, with_id=with_id)
    sent = [state.push.send(token, notification, keys=keys) for token in state.push_tokens().values()]
    return [found for found in sent if found is not None]


def _check_keys(keys: str) -> None:
    if keys not in KEY_STYLES:
        raise ValueError(f"keys must be one of {KEY_STYLES}, got {keys!r}")
