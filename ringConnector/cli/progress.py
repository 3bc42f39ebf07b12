"""startDownload.py's progress: a bar with bytes and ETA on a terminal, plain lines when piped."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TextIO

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from ringConnector.download.progress import Progress
from ringConnector.model.events import SNAPSHOT_STATUS, RingEvent


def line(body: dict[str, Any] | None, event: RingEvent, error: str | None) -> str:
    """The line printed when an event is done."""
    if body is not None:
        return done_line(body)
    return f"failed     event {event.id}: {error}"


def done_line(body: dict[str, Any]) -> str:
    """The line of an event written: its video (and still), or its still alone (SNAPSHOTS=only)."""
    named = f"{body['ringId']} {body['eventName']} {body['deviceName']}"
    if body.get("status") == SNAPSHOT_STATUS:
        return f"still      {named} -> {body['snapshotFileName']} ({body['snapshotSource']})"
    return f"downloaded {named} -> {body['videoFileName']}"


class PlainLines(Progress):
    """A line per event as it finishes (for pipes, cron and logs)."""

    def __init__(self, out: TextIO) -> None:
        """Write to `out`."""
        self.out = out

    def finished(self, event: RingEvent, body: dict[str, Any] | None, error: str | None) -> None:
        """Print the event's line now (a skipped one is told in the day's summary instead)."""
        if body is not None or error is not None:
            print(line(body, event, error), file=self.out, flush=True)

    def close(self) -> None:
        """Nothing to tidy."""


class TellOnce(logging.Filter):
    """Drops the log line of an event the script tells itself (its "downloaded"/"failed" line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep every record but an event's own summary."""
        return getattr(record, "event_done", None) is None


def tell_events_once() -> None:
    """From now on an event is told by the script's own line only (stdout), not by its log line
    too (stderr): piped or under cron the two streams land together, each event twice."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(TellOnce())


@contextmanager
def logging_above_bar() -> Iterator[None]:
    """While a bar is drawn, log lines are written above it (tqdm's redirect), still scrubbed,
    and an event is told once, by the bar's line, not by its log line too."""
    root = logging.getLogger()
    before = list(root.handlers)
    kept = [f for handler in before for f in handler.filters]  # ScrubSecrets: never lose it
    with logging_redirect_tqdm(loggers=[root]):
        for handler in root.handlers:
            if handler not in before:  # tqdm's handler replaces the console one, without filters
                for kept_filter in kept:
                    handler.addFilter(kept_filter)
                handler.addFilter(TellOnce())
        yield


class Bar(PlainLines):
    """A tqdm bar of events, with the bytes so far and an ETA; event lines go above it."""

    def __init__(self, out: TextIO, screen: TextIO) -> None:
        """Lines to `out`; the bar to the terminal `screen`."""
        super().__init__(out)
        self.screen = screen
        self.bar: tqdm[Any] | None = None
        self.bytes = 0
        self._logging = ExitStack()

    def planned(self, events: list[RingEvent]) -> None:
        """Start the bar once the number of events is known."""
        self.bar = tqdm(total=len(events), unit="event", file=self.screen, dynamic_ncols=True, leave=False)
        self._logging.enter_context(logging_above_bar())

    def transferred(self, size: int) -> None:
        """Show the bytes so far (tqdm throttles the redraws)."""
        self.bytes += size
        if self.bar is not None:
            self.bar.set_postfix_str(f"{self.bytes / 1e6:.1f} MB", refresh=False)

    def finished(self, event: RingEvent, body: dict[str, Any] | None, error: str | None) -> None:
        """Print the event's line above the bar and move the bar on."""
        if self.bar is None:
            super().finished(event, body, error)
            return
        if body is not None or error is not None:
            self.bar.write(line(body, event, error), file=self.out)
        self.bar.update(1)

    def close(self) -> None:
        """Remove the bar; logging goes back to the terminal as before."""
        self._logging.close()
        if self.bar is not None:
            self.bar.close()


def progress_for(out: TextIO, screen: TextIO) -> PlainLines:
    """A bar when `screen` is a terminal, plain lines otherwise."""
    return Bar(out, screen) if screen.isatty() else PlainLines(out)
