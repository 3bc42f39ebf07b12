"""A download waiting for Ring between attempts keeps its temporary file, however long it waits:
another call's sweep of files left by dead processes goes by the file's lock, not its age."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.download.day import DayReport
from ringConnector.emulator import Emulator, Fault
from tests.support import DAY, FRONT, Clock, make_event, sha256, wait_for

DING = make_event(FRONT, DAY, "12:00:00", size=200_000)
pytestmark = pytest.mark.events([DING])


class HeldSleep:
    """The retry policy's sleep, held until the test lets it go (RETRY_MAX_WAIT of an hour)."""

    def __init__(self) -> None:
        self.waiting = threading.Event()
        self.released = threading.Event()

    async def __call__(self, delay: float) -> None:
        self.waiting.set()
        await asyncio.to_thread(self.released.wait, 30)


def test_a_download_waiting_for_ring_keeps_its_file_through_another_calls_sweep(
    settings: Settings, emulator: Emulator, clock: Clock
) -> None:
    held = HeldSleep()
    # The first attempt is cut short mid-body: a second one follows the wait.
    emulator.add_fault(Fault("storage", "short", key=str(DING.id)))
    with Connector(settings.replace(retry_max_wait=3600), sleep=held, now=clock) as connector:
        reports: list[DayReport] = []
        first = threading.Thread(target=lambda: reports.append(connector.download_day(DAY)))
        first.start()
        try:
            wait_for(held.waiting.is_set, "the download to wait before its second attempt")
            (temporary,) = settings.videos_dir.glob(".part-*.mp4.*")
            an_hour_ago = time.time() - 3600
            os.utime(temporary, (an_hour_ago, an_hour_ago))
            quiet = connector.download_day(DAY - timedelta(days=3))  # sweeps, then finds nothing
            assert quiet.downloaded == [] and temporary.exists()
        finally:
            held.released.set()
            first.join(timeout=30)
    (report,) = reports
    assert [body["ringId"] for body in report.downloaded] == [str(DING.id)] and report.complete
    assert sha256(Path(report.downloaded[0]["videoFileName"])) == emulator.expected_sha256(str(DING.id))
