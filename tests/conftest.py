"""Fixtures: a Ring emulator per test on loopback, settings pointing at it, a Connector and the app."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ringConnector.cli.venv import VENVS
from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Scenario
from ringConnector.web.app import create_app
from tests.support import ACCOUNT, NOW, ROOT, Clock, FakeSleep, Receiver, devices, signed_in, small_day


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario:
    """The Ring account the emulator serves: the small day; or the doorbells of support.devices()
    with the events of the closest `@pytest.mark.events(...)`; or what the closest
    `@pytest.mark.scenario.with_args(factory)` makes."""
    factory = request.node.get_closest_marker("scenario")
    if factory is not None:
        made: Scenario = factory.args[0]()
        return made
    marker = request.node.get_closest_marker("events")
    if marker is None:
        return small_day()
    return Scenario(account=ACCOUNT, devices=devices(), events=list(marker.args[0]))


@pytest.fixture
def emulator(
    request: pytest.FixtureRequest, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Emulator]:
    """A running emulator (API, storage and partner hosts, Google's push side, on loopback);
    storage paced at the closest `@pytest.mark.storage_bandwidth(bytes_per_s)`, if any. Its
    test CA is the process's (and its scripts') SSL_CERT_FILE, as a user's would be."""
    marker = request.node.get_closest_marker("storage_bandwidth")
    with Emulator(scenario, storage_bandwidth=marker.args[0] if marker else None) as emu:
        monkeypatch.setenv("SSL_CERT_FILE", str(emu.push_ca_file))
        yield emu


@pytest.fixture
def settings(tmp_path: Path, emulator: Emulator) -> Settings:
    """Settings aimed at the emulator, with a valid token already saved."""
    return signed_in(tmp_path, emulator)  # RETRY_* at their defaults: 100, 2, 30


@pytest.fixture
def sleep() -> FakeSleep:
    """The Connector's sleep: records retry waits instead of waiting."""
    return FakeSleep()


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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The pipeline's CALLBACK_URL on loopback, keeping each body it is given."""
    server = Receiver()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _subprocesses_need_the_process_marker(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test whose own code (or the project's) starts a subprocess without `@pytest.mark.process`
    fails, so that `pytest -m "not process"` stays the quick loop it says it is. Libraries may
    (ctypes runs ldconfig when aiortc's ifaddr is first imported)."""
    if request.node.get_closest_marker("process") is not None:
        return
    test = request.node.nodeid
    original = subprocess.Popen.__init__

    def guarded(self: subprocess.Popen[bytes], *args: Any, **kwargs: Any) -> None:
        caller = sys._getframe(1)
        while caller.f_code.co_filename == subprocess.__file__:
            caller = caller.f_back  # type: ignore[assignment]  # subprocess is never the bottom frame
        where = Path(caller.f_code.co_filename).resolve()
        if where.is_relative_to(ROOT) and not any(where.is_relative_to(ROOT / venv) for venv in VENVS):
            raise AssertionError(f"{test} starts a subprocess: mark it @pytest.mark.process")
        original(self, *args, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)
