"""Fixtures every emulator test folder uses: a started emulator on controllable clocks, and tokens.

Named apart from tests/conftest.py's fixtures (its `scenario` and `clock` serve the connector's
tests), so that no fixture here stands in for one of the same name there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests

from ringConnector.emulator import Emulator, ManualClock, Scenario, demo_scenario

DAY = date(2024, 3, 9)
TZ = "America/New_York"
# The partner side's "now": after every event of the demo day (which spills into March 10).
WALL_START = datetime(2024, 3, 11, tzinfo=UTC).timestamp()


@pytest.fixture
def mono() -> ManualClock:
    """A fake monotonic clock for the consumer side: token expiry, storage readiness, signatures."""
    return ManualClock()


@pytest.fixture
def wall() -> ManualClock:
    """A fake wall clock (epoch seconds) for the partner side: timestamps, codes, live views."""
    return ManualClock(start=WALL_START)


@pytest.fixture
def demo_day() -> Scenario:
    """The demo day."""
    return demo_scenario(DAY, TZ)


@pytest.fixture
def emu(demo_day: Scenario, mono: ManualClock, wall: ManualClock) -> Iterator[Emulator]:
    """A running emulator serving the demo day on the fake clocks."""
    with Emulator(demo_day, clock=mono, wall_clock=wall) as emulator:
        yield emulator


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """A requests session, closed after the test."""
    with requests.Session() as session:
        yield session


@pytest.fixture
def token(emu: Emulator) -> dict[str, Any]:
    """A valid consumer token issued without the login flow."""
    return emu.issue_token()


@pytest.fixture
def auth(emu: Emulator, token: dict[str, Any]) -> dict[str, str]:
    """Headers carrying the consumer bearer token, as ring_doorbell sends them, for a hardware
    id whose Ring session is open (Ring answers 404 without one: docs/ring-apis.md §3)."""
    emu.state.sessions.open("test-hw-1", "127.0.0.1")
    return {"Authorization": f"Bearer {token['access_token']}", "hardware_id": "test-hw-1"}
