"""The first look: as soon as a push or webhook announces an event, Ring's still picture of it is
fetched and handed to the pipeline as the event's SNAPSHOT stage, before its video exists.

A push names the event (its ring id, device, time, and the uuid of Ring's picture); a webhook
names a device and a moment only (docs/ring-apis.md §2.10), so its event is looked for in the
device's history while the picture is fetched. Whatever fails here costs only the first look:
the video's download (and its still) go on as before.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ringConnector.download.save import Saver
from ringConnector.errors import ConnectorError
from ringConnector.model.days import day_window
from ringConnector.model.events import Device, RingEvent, Unreadable
from ringConnector.retry import RetryPolicy
from ringConnector.sources import Source

_LOGGER = logging.getLogger(__name__)
# Ring's picture is asked again this soon while Ring is still making it (a 425, a 404), for this
# long at most: the first look is worth having within seconds, or not at all (the video's own
# still follows). An assumption: no source says how soon Ring has a picture.
QUICK = {"max_wait": 30.0, "initial_delay": 0.5, "max_delay": 2.0}
# A webhook's event is looked for in history this often, for this long (Ring lists an event
# within seconds of its webhook; how soon has no source).
FIND_EVERY, FIND_FOR = 0.5, 30.0


@dataclass(frozen=True)
class Announced:
    """What an announcement says of an event: its device and moment, and, from a push, its ring
    id and the uuid of Ring's picture of it."""

    device_id: str
    kind: str
    at: datetime
    ring_id: str | None = None
    snapshot_uuid: str | None = None


async def first_look(
    source: Source,
    saver: Saver,
    announced: Announced,
    *,
    zone: ZoneInfo,
    policy: RetryPolicy,
    within: float,
) -> dict[str, object] | None:
    """Fetch Ring's picture of the announced event and save it as its SNAPSHOT stage; the event
    JSON written, or None (no picture from Ring, no such event found, or its video came first).
    `within`: how far (s) a history event may start from the announced moment."""
    devices = {device.id: device for device in await source.devices(every_type=True)}
    device = devices.get(announced.device_id)
    if device is None:
        return None
    quick = RetryPolicy(sleep=policy.sleep, **QUICK)
    # The picture is fetched while the event is looked for: a webhook's event needs history.
    guess = RingEvent(announced.ring_id or "?", device, announced.at, announced.kind, ready=False)
    picture = asyncio.ensure_future(saver.ring_still(guess, hint=announced.snapshot_uuid, policy=quick))
    try:
        event = guess if announced.ring_id else await _find(source, device, announced, zone, policy, within)
        still = await picture
    finally:
        picture.cancel()
    if event is None or still is None:
        return None
    window = day_window(event.created_at.astimezone(zone).date(), zone)
    return await saver.save_snapshot(event, window, still)


async def _find(
    source: Source, device: Device, announced: Announced, zone: ZoneInfo, policy: RetryPolicy, within: float
) -> RingEvent | None:
    """The device's history event of the announced kind starting within `within` s of its moment,
    looked for every FIND_EVERY s for FIND_FOR s."""
    window = day_window(announced.at.astimezone(zone).date(), zone)
    earliest = announced.at - timedelta(seconds=within)
    for _ in range(round(FIND_FOR / FIND_EVERY)):
        try:
            found = await _newest_near(source.events(device, window), announced, earliest, within)
        except ConnectorError as ex:
            _LOGGER.info("first look: history of %s not read (%s)", device.name, ex)
            return None
        if found is not None:
            return found
        await policy.sleep(FIND_EVERY)
    _LOGGER.info("first look: no %s of %s near %s in history", announced.kind, device.name, announced.at)
    return None


async def _newest_near(
    events: AsyncIterator[RingEvent | Unreadable], announced: Announced, earliest: datetime, within: float
) -> RingEvent | None:
    """The first event of `events` (newest first) that is the announced one; the walk stops at
    the first older than `earliest`, and the history generator is closed either way."""
    try:
        async for event in events:
            if not isinstance(event, RingEvent):
                continue
            if event.created_at < earliest:
                return None  # newest first: the rest is older still
            if (
                event.kind == announced.kind
                and abs((event.created_at - announced.at).total_seconds()) <= within
            ):
                return event
        return None
    finally:
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()
