"""Record on demand (record_and_download on the media clip page, docs/ring-apis.md §2.5, §2.7):
a live view held open for N seconds makes the camera record; the clip of that window is the recording."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ringConnector.errors import ConnectorError, NoFootage, TransientError
from ringConnector.model.events import RingEvent
from ringConnector.retry import RetryPolicy
from ringConnector.sources.partner.source import PartnerSource, to_ms
from ringConnector.storage.atomic import AtomicFile

_LOGGER = logging.getLogger(__name__)
# The media clip page (docs/ring-apis.md §2.7) waits 2 s after stopping "to allow media processing".
PROCESSING_DELAY = 2.0


async def record_live(
    source: PartnerSource, device_id: str, seconds: int, *, policy: RetryPolicy, now: Callable[[], datetime]
) -> RingEvent:
    """Hold a live view of the device open for `seconds`; returns the event it recorded."""
    from ringConnector.sources.partner.live_view import LiveView  # aiortc (and PyAV) load only here

    device = await source.device(device_id)
    # A busy (429) or offline (503) camera is waited for, as for clips.
    view, _ = await policy.run(
        lambda: LiveView.open(source.client, device.id, policy), what=f"live view of {device.name}"
    )
    started = now()
    try:
        await policy.sleep(seconds)
    finally:
        state = await view.close()
        # The live view's recording shows up in history as on_demand: ours (docs/ring-apis.md §2.4).
        await asyncio.to_thread(source.own.add, device.id, to_ms(started), to_ms(now()))
    if state != "connected":
        _LOGGER.warning(
            "the live view of %s never connected (%s); the recording may be empty", device.name, state
        )
    await policy.sleep(PROCESSING_DELAY)
    try:
        ring_id = await source.recent_event(device, "on_demand", started)
    except ConnectorError as ex:  # the recording exists; only its name is unknown
        _LOGGER.warning("could not look up the on_demand event of %s: %s", device.name, ex)
        ring_id = None
    return RingEvent(
        id=ring_id or f"on_demand-{device.id}-{to_ms(started)}",
        device=device,
        created_at=started,
        kind="on_demand",
        duration=float(seconds),
        extra={"liveView": state},
    )


async def fetch_just_recorded(source: PartnerSource, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
    """One attempt at the clip `record_live` made; no footage yet means Ring is still processing
    (a 206 is kept: the live view may have run shorter than asked)."""
    try:
        return await source.fetch_clip(event, out)
    except NoFootage as ex:
        what = f"recording of {event.device.name}"
        raise TransientError(f"{what}: not processed yet", cause="not_ready") from ex
