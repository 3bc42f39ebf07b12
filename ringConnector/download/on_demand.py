"""Record on demand: a recording made now through the Partner API, saved as any other event."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ringConnector.download.save import Saver
from ringConnector.errors import BadRequest
from ringConnector.model.days import day_window
from ringConnector.sources import Source
from ringConnector.sources.partner.recording import fetch_just_recorded, record_live
from ringConnector.sources.partner.source import PartnerSource

_LOGGER = logging.getLogger(__name__)
# A recording is one live view, and Ring ends a live view by itself after about 30 s on battery
# devices (60 s on line-powered ones; docs/ring-apis.md §2.7). No Partner resource tells which a
# device is, so a recording is at most what every device keeps: longer ones are refused.
MAX_RECORD_SECONDS = 30


def check_seconds(seconds: int) -> int:
    """Validate a recording length."""
    if not 1 <= seconds <= MAX_RECORD_SECONDS:
        raise BadRequest(
            f"seconds must be between 1 and {MAX_RECORD_SECONDS}, got {seconds}: a recording is one "
            f"live view, which Ring ends after about {MAX_RECORD_SECONDS} s on battery devices "
            "(60 s on line-powered ones); record several times for longer"
        )
    return seconds


async def record(
    source: Source,
    saver: Saver,
    device_id: str,
    seconds: int,
    *,
    now: Callable[[], datetime],
    zone: ZoneInfo,
) -> dict[str, Any]:
    """Record `seconds` on the device, download that window, and return its event JSON."""
    if not isinstance(source, PartnerSource):
        raise BadRequest("recording on demand needs Ring's Partner API: set RING_SOURCE=partner")
    check_seconds(seconds)
    event = await record_live(source, device_id, seconds, policy=saver.policy, now=now)
    window = day_window(event.created_at.astimezone(zone).date(), zone)
    body = await saver.save_recording(event, window, lambda out: fetch_just_recorded(source, event, out))
    _LOGGER.info("recorded %d s on %s: event %s", seconds, event.device.name, event.id)
    return body
