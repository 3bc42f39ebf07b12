"""Ring's Partner API as a source: devices, history events and one clip per event."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, TypeGuard, TypeVar
from urllib.parse import parse_qs, urlsplit

from ringConnector.config import Settings
from ringConnector.errors import NoFootage, NotFound, RingUnavailable, TransientError
from ringConnector.model.days import DayWindow, utc_text
from ringConnector.model.events import Device, RingEvent, Unreadable
from ringConnector.retry import RetryPolicy
from ringConnector.sources.partner.client import MAX_CLIP_MS, Clip, PartnerClient, device_path
from ringConnector.sources.partner.own_media import FILE_NAME, OwnMedia
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.stills import PARTNER_IMAGE, Still

_LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

# What a Partner API device is known to be: Ring sends no kind or type (docs/ring-apis.md §2.2),
# only capabilities, so the connector reports "video" as both Device.kind and Device.device_type.
VIDEO = "video"
# A last resort against a links.next that never ends without repeating itself: a day of the
# busiest doorbell is a few pages (Ring's page size is undocumented; recorded pages hold 100).
MAX_HISTORY_PAGES = 1000


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
        self.own = OwnMedia(settings.data_dir / FILE_NAME, client.wall_clock)

    def _now_ms(self) -> int:
        return int(self.client.wall_clock() * 1000)

    async def devices(self, *, every_type: bool = False) -> list[Device]:
        """The account's video devices (RING_DEVICE_TYPES cannot select here: Ring sends no kind).

        A video device is one whose capabilities' `video` has codecs and configurations
        (docs/ring-apis.md §2.2); `every_type` is accepted for the Source interface only.
        """
        document = await self._retrying(
            self.client.get_json, "v1/devices", what="device list", params={"include": "capabilities"}
        )
        included = {
            (item.get("type"), item.get("id")): item.get("attributes")
            for item in _dicts(document.get("included"))
        }
        found = []
        for item in _dicts(document.get("data")):
            if not isinstance(item.get("id"), str):
                _LOGGER.warning("skipping a device without an id in Ring's device list")
                continue
            # JSON:API: the device's capabilities are the included resource its relationship names.
            link = _dict(_dict(_dict(item.get("relationships")).get("capabilities")).get("data"))
            key = (link.get("type"), link.get("id"))
            capabilities = included[key] if key in included else await self._capabilities(item["id"])
            if not is_video(capabilities):
                continue  # chimes, sensors: no video to download
            name = str(_dict(item.get("attributes")).get("name") or item["id"])
            # No kind, type or time zone exists on this API: the connector says only "video".
            found.append(Device(id=item["id"], name=name, kind=VIDEO, device_type=VIDEO, time_zone=None))
        if not found:
            _LOGGER.warning("Ring's Partner API lists no device with video for this app")
        return found

    async def _capabilities(self, device_id: str) -> object:
        # A device whose capabilities were not included: ask for them alone.
        try:
            document = await self._retrying(
                self.client.get_json,
                f"v1/devices/{device_path(device_id)}/capabilities",
                what=f"capabilities of {device_id}",
            )
        except NotFound:
            return None
        return _dict(document.get("data")).get("attributes")

    async def ping(self) -> None:
        """One request to the Partner API, without retrying (readiness)."""
        await asyncio.to_thread(self.client.get_json, "v1/devices", what="device list")

    async def device(self, device_id: str) -> Device:
        """One video device by id, whatever RING_DEVICE_TYPES says, or NotFound."""
        for device in await self.devices(every_type=True):
            if device.id == device_id:
                return device
        raise NotFound(f"no video device {device_id!r} on this account")

    def events(self, device: Device, window: DayWindow) -> AsyncIterator[RingEvent | Unreadable]:
        """The device's events of the configured kinds on the day, newest first; an item that
        cannot be read is yielded as Unreadable. Our own clips and live views are left out."""
        return self._events(device, window)

    async def _events(self, device: Device, window: DayWindow) -> AsyncIterator[RingEvent | Unreadable]:
        kinds = ",".join(self._settings.event_kinds)
        url: str | None = f"v1/history/devices/{device_path(device.id)}/events"
        # No page[size]: Ring does not document it, and the default pages work.
        params: dict[str, str] | None = {"event_types": kinds}
        what = f"history of {device.name}"
        pages: set[str] = set()  # each cursor URL read, and every item id seen: the loop guard
        ids: set[str] = set()
        while url:
            sent = self.client.full_url(url, params)
            if sent in pages or len(pages) >= MAX_HISTORY_PAGES:
                # Ring's links.next came back to a page already read (or never ends): stop with
                # a failure of the device's history; the events already found still download.
                raise RingUnavailable(f"{what}: links.next repeats a page already read; the walk stopped")
            pages.add(sent)
            document = await self._retrying(self.client.get_json, url, what=what, params=params)
            data = document.get("data")
            items = data if isinstance(data, list) else []
            fresh = {_identity(item) for item in items} - ids
            if items and not fresh:
                raise RingUnavailable(f"{what}: a history page repeats items already read; the walk stopped")
            ids |= fresh
            for item in items:
                event = _event(item, device)
                if isinstance(event, Unreadable):
                    yield event
                    continue
                if event.created_at < window.start:
                    return  # newest first: the rest is older than the day
                # Re-applied on every page: a links.next may drop event_types (docs/ring-apis.md §2.4).
                if not self._wanted(event) or event.created_at >= window.end:
                    continue
                if event.kind == "on_demand" and self.own.caused(device.id, to_ms(event.created_at)):
                    _LOGGER.info(
                        "skipping on_demand event %s of %s: our own clip or live view", event.id, device.name
                    )
                    continue
                yield event
            if not data:
                return  # a next with an empty page ends the walk too
            url = _dict(document.get("links")).get("next")
            url = url if isinstance(url, str) and url else None
            # Our own filter goes along when the cursor URL does not carry one.
            params = (
                None
                if url is None or "event_types" in parse_qs(urlsplit(url).query)
                else {"event_types": kinds}
            )

    def _wanted(self, event: RingEvent) -> bool:
        kinds = self._settings.event_kinds
        if event.kind in kinds:
            return True
        if event.kind != "motion":
            return False
        sub_type = event.extra.get("subType")
        # Without a sub_type (none seen in recorded answers) Ring's own filter is all we have.
        return any(k.startswith("motion.") and (sub_type is None or k == f"motion.{sub_type}") for k in kinds)

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
        candidates = [
            e for item in _dicts(document.get("data")) if isinstance(e := _event(item, device), RingEvent)
        ]
        close = [e for e in candidates if abs((e.created_at - near).total_seconds()) <= within]
        return min(close, key=lambda e: abs(e.created_at - near)).id if close else None

    async def fetch_recording(self, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
        """One attempt at a history event's clip(s) (fetch_clip).

        Within WATCH_MAX_WAIT of the event's start, a 416 or a 206 is Ring still processing the
        footage (its page waits "to allow media processing" before a download): a not-ready
        TransientError, retried as a recording being prepared. Later, they are the camera's
        truth: no footage, or part of it.
        """
        what = f"clip of event {event.id} on {event.device.name}"
        age = event.preparing_for(datetime.fromtimestamp(self._now_ms() / 1000, UTC))
        early = 0 <= age < self._settings.watch_max_wait
        try:
            extra = await self.fetch_clip(event, out)
        except NoFootage as ex:
            if early:
                raise TransientError(
                    f"{what}: no footage yet {age:.0f} s after it began", cause="not_ready"
                ) from ex
            raise
        if early and extra["partial"]:
            got = extra["clipLengthMs"] / 1000
            raise TransientError(f"{what}: {got:.1f} s of its footage so far (206)", cause="not_ready")
        return extra

    async def fetch_clip(self, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
        """One attempt at the event's window as clip(s): [start, end] in pieces of at most 15 minutes."""
        start = to_ms(event.created_at)
        total = round((event.duration or 0) * 1000) or MAX_CLIP_MS
        what = f"clip of event {event.id} on {event.device.name}"
        return await self.fetch_window(event.device, start, total, out, what=what)

    async def fetch_window(
        self, device: Device, start_ms: int, total_ms: int, out: AtomicFile, *, what: str
    ) -> dict[str, Any]:
        """Download [start_ms, start_ms + total_ms) into `out` (and `.partN.mp4` files beside it)."""
        for stale in out.companions:  # a retried attempt starts again from its first clip
            await asyncio.to_thread(stale.discard)
        out.companions.clear()
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
            asked = self._now_ms()
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
            finally:
                # Each clip download shows up in history as an on_demand event (docs/ring-apis.md §2.4).
                await asyncio.to_thread(self.own.add, device.id, asked, self._now_ms())
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

    async def fetch_still(self, event: RingEvent, *, hint: str | None = None) -> Still | None:
        """One attempt at Ring's picture of the event's start (the image download, type
        at_timestamp); None when Ring has none (416, 422, 403). The download shows up in history
        as an on_demand event, as clips do: it is remembered as our own."""
        what = f"picture of event {event.id} on {event.device.name}"
        asked = self._now_ms()
        try:
            jpeg, taken = await asyncio.to_thread(
                self.client.download_image, event.device.id, to_ms(event.created_at), what=what
            )
        except NoFootage as ex:
            _LOGGER.info("%s", ex)
            return None
        finally:
            await asyncio.to_thread(self.own.add, event.device.id, asked, self._now_ms())
        return Still(jpeg, PARTNER_IMAGE, from_ms(taken))

    async def close(self) -> None:
        """Close the HTTP session."""
        await asyncio.to_thread(self.client.close)

    async def _retrying(self, func: Callable[..., T], *args: Any, what: str, **kwargs: Any) -> T:
        async def attempt() -> T:
            return await asyncio.to_thread(func, *args, what=what, **kwargs)

        result, _ = await self._policy.run(attempt, what=what)
        return result


def is_video(capabilities: object) -> bool:
    """Tell whether a capabilities resource's attributes describe a device with video.

    `video` must be an object with codecs and configurations; a missing key, `null` or an object
    of nulls is a device without video (docs/ring-apis.md §2.2).
    """
    video = _dict(capabilities).get("video")
    return isinstance(video, dict) and bool(video.get("codecs")) and bool(video.get("configurations"))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _event(item: object, device: Device) -> RingEvent | Unreadable:
    """One history item (recorded answers, docs/ring-apis.md §2.4), or why it cannot be read."""
    if not isinstance(item, dict):
        return Unreadable(device, f"a history item that is not an object: {str(item)[:80]!r}")
    ring_id = item.get("id")
    ring_id = (
        str(ring_id)
        if isinstance(ring_id, str | int) and not isinstance(ring_id, bool) and ring_id != ""
        else None
    )
    attributes = _dict(item.get("attributes"))
    start_ms, end = attributes.get("start"), attributes.get("end")
    kind = attributes.get("event_type")
    if ring_id is None:
        return Unreadable(device, "a history item without an id")
    if not _number(start_ms):
        return Unreadable(device, f"history item {ring_id} has no numeric start ({start_ms!r})", ring_id)
    if end is not None and (not _number(end) or end <= start_ms):
        return Unreadable(device, f"history item {ring_id} has a broken end ({end!r})", ring_id)
    if not isinstance(kind, str) or not kind:
        return Unreadable(device, f"history item {ring_id} has no event_type", ring_id)
    sub_type = attributes.get("sub_type")  # optional: none seen in recorded answers
    extra = {"subType": sub_type} if isinstance(sub_type, str) and sub_type else {}
    return RingEvent(
        id=ring_id,
        device=device,
        created_at=from_ms(start_ms),
        kind=kind,
        duration=(end - start_ms) / 1000 if end is not None else None,
        ready=end is not None,  # an event without an end is still going on
        extra=extra,
    )


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _identity(item: Any) -> str:
    """What tells one history item from another: its id, or its whole text when it has none."""
    found = item.get("id") if isinstance(item, dict) else None
    return found if isinstance(found, str) and found else repr(item)
