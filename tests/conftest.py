"""Fixtures: a Ring emulator per test on loopback, settings pointing at it, a Connector and the app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import NOW, ZONE, FakeSleep, small_day

from ringConnector.app import create_app
from ringConnector.config import Settings
from ringConnector.emulator.scenario import Scenario
from ringConnector.emulator.server import Emulator
from ringConnector.service import Connector
from ringConnector.tokens import TokenStore


@pytest.fixture
def scenario() -> Scenario:
    """The Ring account the emulator serves; override in a module for other data."""
    return small_day()


@pytest.fixture
def emulator(scenario: Scenario) -> Iterator[Emulator]:
    """A running emulator (API host and storage host on loopback)."""
    with Emulator(scenario) as emu:
        yield emu


@pytest.fixture
def settings(tmp_path: Path, emulator: Emulator) -> Settings:
    """Settings aimed at the emulator, with a valid token already saved."""
    settings = Settings(
        oauth_file=tmp_path / "oauth-authorization.json",
        data_dir=tmp_path / "data",
        ring_api_url=emulator.api_url,
        ring_oauth_url=emulator.oauth_url,
        time_zone=ZONE,
        retry_max_wait=100,
        retry_initial_delay=2,
        retry_max_delay=30,
        http_timeout=5,
    )
    TokenStore(settings.oauth_file).save(emulator.issue_token())
    return settings


@pytest.fixture
def sleep() -> FakeSleep:
    """The Connector's sleep: records retry waits instead of waiting."""
    return FakeSleep()


class Clock:
    """A settable "now" for the Connector."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    """The Connector's clock, at NOW unless a test moves it."""
    return Clock(NOW)


@pytest.fixture
def connector(settings: Settings, sleep: FakeSleep, clock: Clock) -> Iterator[Connector]:
    """A Connector on the emulator; closed after the test."""
    with Connector(settings, sleep=sleep, now=clock) as conn:
        yield conn


@pytest.fixture
def app(settings: Settings, connector: Connector) -> Flask:
    """The Flask app around the test's Connector."""
    app = create_app(settings, connector=connector)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()
