"""Record on demand (the Partner API page's record_and_download): open a live view for N
seconds, stop it, then download the clip of exactly that window."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ringConnector.errors import BadRequest, ConnectorError, NoFootage, TransientError
from ringConnector.model.days import day_window
from ringConnector.model.events import RingEvent, event_json
from ringConnector.retry import RetryPolicy
from ringConnector.sources import Source
from ringConnector.sources.partner.source import PartnerSource, to_ms
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.library import EventLibrary

_LOGGER = logging.getLogger(__name__)
# A clip request covers at most 15 minutes (shared/seeds/002), so a recording does too.
MAX_RECORD_SECONDS = 900
# The Partner API page waits 2 s after stopping "to allow media processing".
PROCESSING_DELAY = 2.0


def check_seconds(seconds: int) -> int:
    """Validate a recording length."""
    if not 1 <= seconds <= MAX_RECORD_SECONDS:
        raise BadRequest(f"seconds must be between 1 and {MAX_RECORD_SECONDS}, got {seconds}")
    return seconds


async def record(
    source: Source,
    library: EventLibrary,
    device_id: str,
    seconds: int,
    *,
    policy: RetryPolicy,
    now: Callable[[], datetime],
    zone: Any,
) -> dict[str, Any]:
    """Record `seconds` on the device, download that window, and return its event JSON."""
    if not isinstance(source, PartnerSource):
        raise BadRequest("recording on demand needs Ring's Partner API: set RING_SOURCE=partner")
    check_seconds(seconds)
    from ringConnector.sources.partner.live_view import LiveView  # aiortc (and PyAV) load only when recording

    device = await source.device(device_id)
    # A busy (429) or offline (503) camera is waited for, as for clips.
    view, _ = await policy.run(
        lambda: LiveView.open(source.client, device.id, policy), what=f"live view of {device.name}"
    )
    try:
        started = now()
        await policy.sleep(seconds)
    finally:
        state = await view.close()
    if state != "connected":
        _LOGGER.warning(
            "the live view of %s never connected (%s); the recording may be empty", device.name, state
        )
    await policy.sleep(PROCESSING_DELAY)
    start_ms = to_ms(started)
    try:
        ring_id = await source.recent_event(device, "on_demand", started)
    except ConnectorError as ex:  # the recording exists; only its name is unknown
        _LOGGER.warning("could not look up the on_demand event of %s: %s", device.name, ex)
        ring_id = None
    event = RingEvent(
        id=ring_id or f"on_demand-{device.id}-{start_ms}",
        device=device,
        created_at=started,
        kind="on_demand",
        duration=float(seconds),
        extra={"liveView": state},
    )
    window = day_window(started.astimezone(zone).date(), zone)
    stem = event.file_stem(window)
    out = await asyncio.to_thread(library.open_video, stem)
    what = f"recording of {device.name}"
    try:
        extra, _ = await policy.run(
            lambda: _fetch_processed(source, device, start_ms, seconds, out, what), what=what
        )
        await asyncio.to_thread(out.commit)
    except BaseException:
        out.discard()
        raise
    body = event_json(event, window, library.video_path(stem))
    body.update(extra)
    await asyncio.to_thread(library.save_event, stem, body)
    _LOGGER.info("recorded %d s on %s: event %s, %d bytes", seconds, device.name, event.id, out.written)
    return body


async def _fetch_processed(
    source: PartnerSource, device: Any, start_ms: int, seconds: int, out: AtomicFile, what: str
) -> dict[str, Any]:
    try:
        return await source.fetch_window(device, start_ms, seconds * 1000, out, what=what)
    except NoFootage as ex:
        # We just recorded it: no footage yet means Ring is still processing it.
        raise TransientError(f"{what}: not processed yet", cause="not_ready") from ex
