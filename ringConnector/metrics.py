"""Prometheus metrics (GET /metrics): downloads, bytes, failures, retries by cause, Ring latency.

Label values come from small fixed sets (sources, causes, call names), never from ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

EVENTS_DOWNLOADED = Counter(
    "ringconnector_events_downloaded", "Recordings downloaded and committed.", ["source"]
)
BYTES_DOWNLOADED = Counter("ringconnector_downloaded_bytes", "Bytes of recordings committed.", ["source"])
FAILURES = Counter(
    "ringconnector_download_failures", "Events (or device histories) that failed in a call.", ["reason"]
)
RETRIES = Counter("ringconnector_retries", "Retries after a transient failure, by cause.", ["cause"])
RING_LATENCY = Histogram(
    "ringconnector_ring_request_seconds",
    "Time of requests to Ring's APIs (not recording bodies), by call.",
    ["call"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# From the event (its start) to its file on disk and to its JSON delivered to CALLBACK_URL.
_EVENT_BUCKETS = (5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 1800, 3600, 4 * 3600, 86400)
EVENT_TO_FILE = Histogram(
    "ringconnector_event_to_file_seconds", "From an event's start to its recording on disk.",
    buckets=_EVENT_BUCKETS,
)  # fmt: skip
EVENT_TO_CALLBACK = Histogram(
    "ringconnector_event_to_callback_seconds",
    "From an event's start to its JSON delivered, by stage: snapshot (its still) or video.",
    ["stage"],
    buckets=_EVENT_BUCKETS,
)
# From an event's start to its still on disk (the first look).
_STILL_BUCKETS = (0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 3600)
EVENT_TO_STILL = Histogram(
    "ringconnector_event_to_still_seconds", "From an event's start to its still picture on disk.",
    buckets=_STILL_BUCKETS,
)  # fmt: skip
STILLS_SAVED = Counter(
    "ringconnector_stills_saved", "Still pictures saved, by where they came from.", ["source"]
)
EVENTS_FOUND = Counter(
    "ringconnector_watch_events_found",
    "Events the watcher downloaded, by how they were found: push, webhook, or poll (a missed push).",
    ["how"],
)
CALLBACKS_DELIVERED = Counter(
    "ringconnector_callbacks_delivered", "Event JSON delivered to CALLBACK_URL, by stage.", ["stage"]
)
WATCH_ROUND_FAILURES = Counter(
    "ringconnector_watch_round_failures",
    "Watch rounds that failed and were tried again with backoff, by cause: database (the state "
    "database locked, gone or broken), disk (DATA_DIR full or unwritable), ring (Ring, the network "
    "or the account), bug (anything unforeseen).",
    ["cause"],
)
WATCH_FAILED_ROUNDS = Gauge(
    "ringconnector_watch_failed_rounds", "Watch rounds failed in a row (0: the last round succeeded)."
)


@contextmanager
def timed(call: str) -> Iterator[None]:
    """Observe the time of one Ring API call under `call`."""
    started = time.perf_counter()
    try:
        yield
    finally:
        RING_LATENCY.labels(call).observe(time.perf_counter() - started)


PUSH_MESSAGES = Counter(
    "ringconnector_push_messages",
    "Consumer API pushes by outcome: received, undecryptable, replayed (an event already on disk).",
    ["outcome"],
)
PUSH_RECONNECTS = Counter("ringconnector_push_reconnects", "Times the push listener was rebuilt.")
PUSH_UNDECRYPTABLE = Counter(
    "ringconnector_push_undecryptable",
    "Consumer API pushes dropped (and acknowledged) because they could not be decrypted, by cause: "
    "no_keys, base64, bad_key, decryption, other.",
    ["cause"],
)


class _ReadGauge(Collector):
    """A gauge read when /metrics is scraped from what `read` returns, and left out while
    nothing is set to read it or it returns None (a 0 would be a value)."""

    def __init__(self, name: str, documentation: str) -> None:
        self._name, self._documentation = name, documentation
        self.read: Callable[[], float | None] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauge's one sample, if there is a value."""
        read = self.read
        value = read() if read is not None else None
        if value is not None:
            yield GaugeMetricFamily(self._name, self._documentation, value=value)


PARTNER_LINK_DAYS_LEFT = _ReadGauge(
    "ringconnector_partner_link_days_left",
    "Days until the Partner account link runs out (RING_PARTNER_LINK_DAYS after it was made); "
    "absent without a link made by startCreateAuthFile.py --partner.",
)
REGISTRY.register(PARTNER_LINK_DAYS_LEFT)
