"""Where events and recordings come from: the interface every source implements, and the factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

import aiohttp

from ringConnector.config import Settings
from ringConnector.model.days import DayWindow
from ringConnector.model.events import Device, RingEvent, Unreadable
from ringConnector.retry import RetryPolicy
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.stills import Still


class Source(Protocol):
    """A Ring API the connector can download a day from."""

    async def devices(self, *, every_type: bool = False) -> list[Device]:
        """The account's video devices selected by the settings (or all of them)."""
        ...

    async def ping(self) -> None:
        """One real request to Ring (no retry): raises if Ring cannot be reached or refuses."""
        ...

    def events(self, device: Device, window: DayWindow) -> AsyncIterator[RingEvent | Unreadable]:
        """The device's events of the selected kinds on the window's day; an item that cannot be
        read is yielded as Unreadable (it fails alone), never raised."""
        ...

    async def fetch_recording(self, event: RingEvent, out: AtomicFile) -> dict[str, Any]:
        """One attempt at writing the event's recording into `out`; returns extra event JSON fields.

        Raises TransientError for what is worth retrying and DownloadFailed for what is not.
        """
        ...

    async def fetch_still(self, event: RingEvent, *, hint: str | None = None) -> Still | None:
        """One attempt at Ring's still picture of the event (`hint`: what a push named of it);
        None when Ring has none to give. Raises TransientError for what is worth retrying."""
        ...

    async def close(self) -> None:
        """Release what the source holds."""
        ...


def open_source(
    settings: Settings,
    http: aiohttp.ClientSession,
    policy: RetryPolicy,
    wall_clock: Callable[[], float],
) -> Source:
    """The source RING_SOURCE selects."""
    if settings.source == "partner":
        from ringConnector.sources.partner.client import PartnerClient
        from ringConnector.sources.partner.source import PartnerSource

        return PartnerSource(settings, policy, PartnerClient(settings, wall_clock=wall_clock))
    from ringConnector.sources.consumer.source import ConsumerSource

    return ConsumerSource(settings, http, policy, clock=wall_clock)
