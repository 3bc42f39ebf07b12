"""Test data of the Partner API source's tests: the day after DAY, a sleep sharing the emulator's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ringConnector.config import Settings
from ringConnector.emulator import Event, ManualClock
from tests.support import BACK, DAY, FRONT, environment, make_event

# The day after DAY, so every event of DAY is in the past (the Partner API refuses the future).
LATER = (datetime.combine(DAY + timedelta(days=1), datetime.min.time()) + timedelta(hours=12)).replace(
    tzinfo=UTC
)
CLIP_RATE = 2_000  # bytes per second of clip: small files, same code paths
# The `responses` tests' fixed "now" (epoch seconds).
OFFLINE_NOW = 1_800_000_000.0


class SharedSleep:
    """The connector's sleep: moves the one clock shared with the emulator, never waits."""

    def __init__(self, wall: ManualClock) -> None:
        self.wall = wall
        self.waits: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.waits.append(delay)
        self.wall.advance(delay)


def long_event() -> Event:
    """An event over the 15-minute clip limit."""
    return make_event(FRONT, DAY, "15:00:00", duration=1000.0)


def partial_events() -> list[Event]:
    """The second event has no footage of its own; its window overlaps the first's for 10 s."""
    with_footage = make_event(BACK, DAY, "16:00:00", duration=30.0)
    without = make_event(BACK, DAY, "16:00:20", duration=40.0, recording_status=None)
    return [with_footage, without]


def partner_environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The scripts' environment for RING_SOURCE=partner aimed at the test's emulator."""
    return environment(
        settings,
        RING_SOURCE="partner",
        RING_PARTNER_API_URL=settings.partner_api_url,
        RING_PARTNER_TOKEN_URL=settings.partner_token_url,
        RING_PARTNER_TOKEN_FILE=str(settings.partner_token_file),
        RING_PARTNER_CLIENT_ID=settings.partner_client_id,
        RING_PARTNER_CLIENT_SECRET=settings.partner_client_secret,
        **extra,
    )
