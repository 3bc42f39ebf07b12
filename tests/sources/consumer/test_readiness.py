"""A readiness probe asks Ring once: a session it has to open is not retried with backoff."""

from __future__ import annotations

from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Fault
from tests.support import FakeSleep


def test_a_probe_that_must_open_a_session_asks_once_and_never_sleeps(
    connector: Connector, emulator: Emulator, sleep: FakeSleep
) -> None:
    emulator.add_fault(Fault("session", "status", status=500, times=3))
    ready, reason = connector.readiness()
    assert (ready, reason) == (False, "session: HTTP 500")
    assert emulator.count("session") == 1 and sleep.waits == []


def test_a_download_that_must_open_a_session_still_retries_it(
    connector: Connector, emulator: Emulator, sleep: FakeSleep
) -> None:
    emulator.add_fault(Fault("session", "status", status=500, times=2))
    assert connector.devices()
    assert emulator.count("session") == 3 and len(sleep.waits) == 2
