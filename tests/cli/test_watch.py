"""startDownload.py --watch as a user runs it: it listens to Ring's pushes as server.py does, so
a pushed ding is on disk within push latency, not at the next poll."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.support import FRONT, ROOT, environment, wait_for

pytestmark = pytest.mark.process


def test_watch_mode_downloads_a_pushed_ding_without_waiting_for_a_poll(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    # A poll every 10 minutes: within the test, only push can bring the ding in.
    env = environment(settings, WATCH_POLL_INTERVAL="600", RETRY_INITIAL_DELAY="0.2")
    log = tmp_path / "watch.log"
    watcher = subprocess.Popen(
        [sys.executable, str(ROOT / "startDownload.py"), "--watch"],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: "push: listening" in log.read_text(), "push to listen")
        # The first round has read today's history of both doorbells: the next poll is 10 min off.
        wait_for(lambda: emulator.count("history") >= 2, "the first round")
        ding = emulator.ring_now(FRONT, ready_after=1.0, seq=1)
        wait_for(lambda: any(settings.videos_dir.glob(f"*-{ding.id}.json")), "the pushed ding on disk")
        wait_for(lambda: f"downloaded {ding.id}" in log.read_text(), "its line")
    finally:
        watcher.send_signal(signal.SIGTERM)
        status = watcher.wait(timeout=30)
    assert status == 0, log.read_text()
    assert emulator.count("history") >= 3  # the push made a read of history, not the poll
    assert "Traceback" not in log.read_text()
