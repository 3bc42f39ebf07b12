"""Fixtures of the watch tests: settings for watching on the real clock with push."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from ringConnector.config import Settings
from tests.download.test_callbacks import Pipeline

# The watcher polls rarely here: what finds a ding within a test's time is its push.
SLOW_POLL = 600.0


def midday_zone() -> str:
    """A zone where it is about noon now. These tests run on the real clock, and in the quarter
    hour after local midnight every round downloads yesterday too (its history read may come
    after a ding is on disk, and count against a test that counts requests)."""
    offset = 12 - datetime.now(UTC).hour  # -11 ... +12 hours
    return f"Etc/GMT{-offset:+d}"  # the Etc/GMT zones' signs are inverted: Etc/GMT-2 is UTC+2


@pytest.fixture
def push_settings(settings: Settings) -> Settings:
    return settings.replace(watch_poll_interval=SLOW_POLL, retry_initial_delay=0.2, time_zone=midday_zone())


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    """A CALLBACK_URL receiver that takes everything (until a test sets its `failures`)."""
    server = Pipeline(failures=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()
