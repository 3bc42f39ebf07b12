"""startDownload.py --watch as a user runs it: dings nobody announced are found by polling, a
`kill -9` and dings while it was down lose nothing, each is called back, one watcher at a time."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.emulator import Emulator, Event, event_id
from tests.download.test_callbacks import Pipeline
from tests.support import FRONT, ROOT, environment, run, wait_for

pytestmark = pytest.mark.process


def ding_now(emulator: Emulator, seq: int) -> Event:
    """A ding that just happened on the Front Door (today, whatever the hour)."""
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)
    event = Event(event_id(moment, seq), FRONT, moment, duration=10.0)
    emulator.add_events([event])
    return event


def watch(env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    handle = log.open("a")
    return subprocess.Popen(
        [sys.executable, str(ROOT / "startDownload.py"), "--watch"],
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def downloaded(settings: Settings, event: Event) -> bool:
    return any(settings.videos_dir.glob(f"*-{event.id}.json"))


def test_kill_9_and_dings_while_down_lose_nothing_and_each_is_called_back(
    settings: Settings, emulator: Emulator, pipeline: Pipeline, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{pipeline.server_address[1]}/ring-events"
    env = environment(settings, WATCH_POLL_INTERVAL="0.3", CALLBACK_URL=url)
    log = tmp_path / "watch.log"
    first = watch(env, log)
    try:
        seen = ding_now(emulator, 1)
        wait_for(lambda: downloaded(settings, seen), "the first ding on disk")
        wait_for(lambda: len(pipeline.received) >= 1, "its callback")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        while_down = [ding_now(emulator, 2), ding_now(emulator, 3)]
        second = watch(env, log)
        try:
            wait_for(lambda: all(downloaded(settings, e) for e in while_down), "the dings rung while down")
            wanted = {str(e.id) for e in [seen, *while_down]}
            wait_for(lambda: {str(b["ringId"]) for b in pipeline.received} >= wanted, "every callback")
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    for event in [seen, *while_down]:
        assert len(list(settings.videos_dir.glob(f"*-{event.id}.json"))) == 1
        assert emulator.storage_downloads(str(event.id)) == 1  # fetched once, across the crash
    text = log.read_text()
    assert "Traceback" not in text and text.rstrip().endswith("stopped watching")


def test_a_second_watcher_says_so_and_exits_1(settings: Settings, emulator: Emulator, tmp_path: Path) -> None:
    env = environment(settings, WATCH_POLL_INTERVAL="0.3")
    log = tmp_path / "watch.log"
    first = watch(env, log)
    try:
        wait_for(lambda: "watching" in log.read_text(), "the first watcher to start")
        second = run("startDownload.py", "--watch", env=env)
        assert second.returncode == 1
        assert second.stderr.strip().splitlines() == [
            f"error: another watcher is running on {settings.data_dir} (its lock .watch.lock is held)"
        ]
    finally:
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=30) == 0


def test_watch_takes_no_day(settings: Settings) -> None:
    result = run("startDownload.py", "--watch", "2026-11-22", env=environment(settings))
    assert result.returncode == 2 and "--watch watches today" in result.stderr
