"""Ring's Partner API as a source: devices, history events and one clip per event."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from ringConnector.config import Settings
from ringConnector.errors import NoFootage, NotFound
from ringConnector.model.days import DayWindow, utc_text
from ringConnector.model.events import Device, RingEvent
from ringConnector.retry import RetryPolicy
from ringConnector.sources.partner.client import MAX_CLIP_MS, Clip, PartnerClient, device_path
from ringConnector.storage.atomic import AtomicFile

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# The Partner API's device types, mapped onto the consumer API's lists so RING_DEVICE_TYPES
# means the same for both sources (the Partner API does not tell shared doorbells apart).
_DEVICE_LISTS = {"doorbell": ("doorbots", "authorized_doorbots"), "camera": ("stickup_cams",)}


def from_ms(value: int | float) -> datetime:
    """Epoch milliseconds as an aware UTC datetime."""
    return datetime.fromtimestamp(value / 1000, UTC)


def to_ms(moment: datetime) -> int:
    """An aware datetime as epoch milliseconds."""
    return round(moment.timestamp() * 1000)


def iso_ms(value: int) -> str:
    """Epoch milliseconds in the event JSON's UTC format."""
    return utc_text(from_ms(value))


class PartnerSource:
    """Devices, history and clips from Ring's Partner API (RING_SOURCE=partner)."""

    def __init__(self, settings: Settings, policy: RetryPolicy, client: PartnerClient) -> None:
        """Use `client` for every request; calls run in worker threads (requests is sync)."""
        self._settings = settings
        self._policy = policy
        self.client = client

    async def devices(self, *, every_type: bool = False) -> list[Device]:
        """The account's devices that have video, of the configured types (or all of them)."""
        document = await self._retrying(
            self.client.get_json, "v1/devices", what="device list", params={"include": "capabilities"}
        )
        included = {
            (item.get("type"), item.get("id")): item.get("attributes") or {}
            for item in document.get("included") or []
        }
        found = []
        for item in document.get("data") or []:
            attributes = item.get("attributes") or {}
            kind = str(attributes.get("device_type", ""))
            # JSON:API: the device's capabilities are the included resource its relationship names.
            link = ((item.get("relationships") or {}).get("capabilities") or {}).get("data") or {}
            capabilities = included.get((link.get("type"), link.get("id"))) or {}
            video = capabilities.get("video") or {}
            if not video.get("supported", kind in _DEVICE_LISTS):
                continue  # chimes and other devices without a camera
            lists = _DEVICE_LISTS.get(kind, ("stickup_cams",))
            if not every_type and not set(lists) & set(self._settings.device_types):
                continue
            name = str(attributes.get("name") or item["id"])
            zone = attributes.get("time_zone")
            found.append(
                Device(id=str(item["id"]), name=name, kind=kind, device_type=lists[0], time_zone=zone)
            )
        return found

    async def ping(self) -> None:
        """One request to the Partner API, without retrying (readiness)."""
        await asyncio.to_thread(self.client.get_json, "v1/devices", what="device list")

    async def device(self, device_id: str) -> Device:
        """One video device by id, whatever RING_DEVICE_TYPES says, or NotFound."""
        for device in await self.devices(every_type=True):
            if device.id == device_id:
                return device
        raise NotFound(f"no video device {device_id!r} on this account")

    async def events(self, device: Device, window: DayWindow) -> AsyncIterator[RingEvent]:
        """The device's events of the configured types on the day, newest first.

        Pages follow `links.next` and stop at the first event older than the day.
        """
        url: str | None = f"v1/history/devices/{device_path(device.id)}/events"
        # No page[size]: Ring does not document it, and the default pages work.
        params: dict[str, str] | None = {"event_types": ",".join(self._settings.event_kinds)}
        while url:
            what = f"history of {device.name}"
            document = await self._retrying(self.client.get_json, url, what=what, params=params)
            params = None  # links.next carries the filters and the cursor
            for item in document.get("data") or []:
                event = _event(item, device)
                if event is None:
                    continue
                if event.created_at < window.start:
                    return
                if event.created_at < window.end:
                    yield event
            url = (document.get("links") or {}).get("next")

    async def recent_event(
        self, device: Device, kind: str, near: datetime, *, within: float = 10.0
    ) -> str | None:
        """The id of the device's latest `kind` event starting within `within` s of `near`."""
        document = await self._retrying(
            self.client.get_json,
            f"v1/history/devices/{device_path(device.id)}/events",
            what=f"history of {device.name}",
            params={"event_types": kind},
        )
        candidates = [e for item in document.get("data") or [] if (e := _event(item, device))]
        close = [e for e in candidates if abs((e.created_at - near).total_seconds()) <= within]
        return min(close, key=lambda e: abs(e.created_at - near)).id if close else None

    async def fetch_recording(self, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
        """One attempt at the event's clip(s): [start, end] in pieces of at most 15 minutes."""
        start = to_ms(event.created_at)
        total = round((event.duration or 0) * 1000) or MAX_CLIP_MS
        return await self.fetch_window(
            event.device, start, total, out, what=f"clip of event {event.id} on {event.device.name}"
        )

    async def fetch_window(
        self, device: Device, start_ms: int, total_ms: int, out: AtomicFile, *, what: str
    ) -> dict[str, Any]:
        """Download [start_ms, start_ms + total_ms) into `out` (and `.partN.mp4` files beside it)."""
        clips: list[tuple[AtomicFile, Clip]] = []
        for number, offset in enumerate(range(0, total_ms, MAX_CLIP_MS), start=1):
            target = out
            if number > 1:
                # Committed with `out` by the caller, never before it (files.AtomicFile).
                target = await asyncio.to_thread(
                    AtomicFile, out.path.with_name(f"{out.path.stem}.part{number}.mp4")
                )
                out.companions.append(target)
            length = min(MAX_CLIP_MS, total_ms - offset)
            try:
                clip = await asyncio.to_thread(
                    self.client.download_clip, device.id, start_ms + offset, length, target, what=what
                )
            except NoFootage:
                if number == 1:
                    raise
                out.companions.remove(target)
                target.discard()
                break  # the footage ended early: keep what there is
            clips.append((target, clip))
        first = clips[0][1]
        extra: dict[str, Any] = {
            "clipStart": iso_ms(first.start_ms),
            "clipLengthMs": sum(clip.length_ms for _, clip in clips),
            "partial": any(clip.partial for _, clip in clips),
        }
        if len(clips) > 1:
            extra["clips"] = [
                {
                    "videoFileName": str(target.path),
                    "clipStart": iso_ms(clip.start_ms),
                    "clipLengthMs": clip.length_ms,
                }
                for target, clip in clips
            ]
        return extra

    async def close(self) -> None:
        """Close the HTTP session."""
        await asyncio.to_thread(self.client.close)

    async def _retrying(self, func: Callable[..., T], *args: Any, what: str, **kwargs: Any) -> T:
        async def attempt() -> T:
            return await asyncio.to_thread(func, *args, what=what, **kwargs)

        result, _ = await self._policy.run(attempt, what=what)
        return result


def _event(item: dict[str, Any], device: Device) -> RingEvent | None:
    attributes = item.get("attributes") or {}
    start_ms, end = attributes.get("start"), attributes.get("end")
    if not isinstance(start_ms, int | float) or "id" not in item:
        _LOGGER.warning("skipping a history item of %s without an id or start", device.name)
        return None
    if end is not None and (not isinstance(end, int | float) or end <= start_ms):
        end = None  # a broken window: treat the event as not finished
    start = from_ms(start_ms)
    extra = {"subType": attributes.get("sub_type")} if attributes.get("sub_type") else {}
    return RingEvent(
        id=str(item["id"]),
        device=device,
        created_at=start,
        kind=str(attributes.get("event_type")),
        duration=(end - start_ms) / 1000 if end else None,
        ready=end is not None,  # an event without an end is still going on
        extra=extra,
    )
