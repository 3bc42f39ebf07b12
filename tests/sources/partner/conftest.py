"""Fixtures of the Partner API tests: an emulator on a shared manual clock and a Connector on it
(`partner_*`), and a Partner API client with no emulator for the `responses` tests (`offline_*`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, ManualClock, PartnerApp, Scenario
from ringConnector.sources.partner.client import PartnerClient
from ringConnector.storage.tokens import TokenFile
from ringConnector.web.app import create_app
from tests.sources.partner.support import (
    CLIP_RATE,
    LATER,
    OFFLINE_NOW,
    SharedSleep,
    long_event,
    partial_events,
)
from tests.support import ACCOUNT, DAY, FRONT, ZONE, SmallDay, devices, make_event


@pytest.fixture
def partner_scenario() -> Scenario:
    """The small day, a long event, a partly recorded pair and two motion sub types."""
    events = [*SmallDay.events(), long_event(), *partial_events()]
    events.append(make_event(FRONT, DAY, "11:00:00", kind="motion", sub_type="human"))
    events.append(make_event(FRONT, DAY, "11:05:00", kind="motion", sub_type="animal"))
    return Scenario(account=ACCOUNT, devices=devices(), events=events)


@pytest.fixture
def wall() -> ManualClock:
    """The one clock of the emulator and the Connector, at LATER."""
    return ManualClock(start=LATER.timestamp())


@pytest.fixture
def partner_emulator(partner_scenario: Scenario, wall: ManualClock) -> Iterator[Emulator]:
    """A running emulator whose Partner host serves the scenario."""
    with Emulator(partner_scenario, wall_clock=wall, clip_bytes_per_second=CLIP_RATE) as emu:
        yield emu


@pytest.fixture
def partner_settings(tmp_path: Path, partner_emulator: Emulator) -> Settings:
    """Settings with RING_SOURCE=partner aimed at the emulator, with a linked token saved."""
    app = PartnerApp()
    settings = Settings(
        source="partner",
        partner_api_url=partner_emulator.partner_url,
        partner_token_url=partner_emulator.oauth_url,
        partner_token_file=tmp_path / "partner-token.json",
        partner_client_id=app.client_id,
        partner_client_secret=app.client_secret,
        data_dir=tmp_path / "data",
        time_zone=ZONE,
        http_timeout=5,
    )
    TokenFile(settings.partner_token_file).save(partner_emulator.issue_partner_token())
    return settings


@pytest.fixture
def shared_sleep(wall: ManualClock) -> SharedSleep:
    """The Connector's sleep, moving the shared clock."""
    return SharedSleep(wall)


@pytest.fixture
def partner_connector(
    partner_settings: Settings, shared_sleep: SharedSleep, wall: ManualClock
) -> Iterator[Connector]:
    """A Connector on the Partner source; closed after the test."""
    now = lambda: datetime.fromtimestamp(wall(), UTC)  # noqa: E731
    with Connector(partner_settings, sleep=shared_sleep, now=now) as conn:
        yield conn


@pytest.fixture
def partner_app(partner_settings: Settings, partner_connector: Connector) -> FlaskClient:
    """A test client of the app around the Partner Connector."""
    return create_app(partner_settings, connector=partner_connector).test_client()


@pytest.fixture
def offline_settings(tmp_path: Path) -> Settings:
    """Partner settings with no emulator: every request is answered by `responses`."""
    return Settings(
        source="partner",
        partner_token_file=tmp_path / "partner-token.json",
        partner_client_id="client-1",
        partner_client_secret="secret-1",
        data_dir=tmp_path / "data",
    )


@pytest.fixture
def partner_client(offline_settings: Settings) -> PartnerClient:
    """A Partner API client with a token valid for an hour after OFFLINE_NOW."""
    TokenFile(offline_settings.partner_token_file).save(
        {"access_token": "access-1", "refresh_token": "refresh-1", "expires_at": OFFLINE_NOW + 3600}
    )
    return PartnerClient(offline_settings, wall_clock=lambda: OFFLINE_NOW)
