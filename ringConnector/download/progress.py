"""What a running download tells whoever watches it (a progress bar, a job): the listener interface."""

from __future__ import annotations

from typing import Any

from ringConnector.model.events import RingEvent


class Progress:
    """A listener of one download; every method is a no-op here, so a listener overrides what it needs."""

    def planned(self, events: list[RingEvent]) -> None:
        """The events this call will download, once the history has been read."""

    def transferred(self, size: int) -> None:
        """Bytes written (negative when a failed attempt's bytes are thrown away)."""

    def finished(self, event: RingEvent, body: dict[str, Any] | None, error: str | None) -> None:
        """One event done: its JSON, or why it failed (neither: skipped, e.g. no footage)."""
