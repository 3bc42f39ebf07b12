"""Fixtures of the Partner API tests: a partner bearer token, and a long history to page through."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from ringConnector.emulator import Emulator, Event, ManualClock, Scenario, bulk_scenario, event_id


@pytest.fixture
def pauth(emu: Emulator) -> dict[str, str]:
    """Headers carrying a valid Partner API bearer token."""
    return {"Authorization": f"Bearer {emu.issue_partner_token()['access_token']}"}


@pytest.fixture
def partner_paging_emu() -> Iterator[Emulator]:
    """120 events on one doorbell and one on a second, seen from two days later."""
    scenario = bulk_scenario(date(2024, 3, 9), "UTC", events=120, size=1000)
    second = bulk_scenario(date(2024, 3, 9), "UTC", events=0, size=1000, devices=2).devices[1]
    moment = datetime(2024, 3, 9, 12, 0, 1, tzinfo=UTC)
    scenario = Scenario(
        scenario.account,
        [*scenario.devices, second],
        [*scenario.events, Event(event_id(moment), second.id, moment)],
    )
    wall = ManualClock(start=datetime(2024, 3, 11, tzinfo=UTC).timestamp())
    with Emulator(scenario, wall_clock=wall) as emulator:
        yield emulator
