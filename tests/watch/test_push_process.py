"""server.py watching the consumer API with push, as a user runs it: a ding pushed reaches the disk
without waiting for a poll, /readyz says push is connected, and after `kill -9` a ding pushed
while it was down arrives at the next start, which checks in rather than registers again."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from ringConnector.config import Settings
from ringConnector.emulator import Emulator, Event
from tests.support import FRONT, ROOT, environment, wait_for

pytestmark = pytest.mark.process


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "server.py")],
        env={**env, "PORT": str(port)},
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    return process, f"http://127.0.0.1:{port}"


def get(base: str, path: str) -> Any:
    try:
        return requests.get(base + path, timeout=5).json()
    except requests.ConnectionError:
        return {}


def push_state(base: str) -> str | None:
    return (get(base, "/connector/watch").get("push") or {}).get("state")


def on_disk(settings: Settings, event: Event) -> bool:
    return any(settings.videos_dir.glob(f"*-{event.id}.json"))


def test_pushed_dings_arrive_without_a_poll_and_a_kill_9_loses_none(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    # A poll every 10 minutes: within the test, only push can bring a ding in.
    env = environment(settings, WATCH="true", WATCH_POLL_INTERVAL="600", RETRY_INITIAL_DELAY="0.2")
    log = tmp_path / "server.log"
    first, base = serve(env, log)
    try:
        wait_for(lambda: push_state(base) == "connected", "push to connect")
        ready = get(base, "/readyz")["watch"]
        assert (ready["running"], ready["push"], ready["lastMessage"]) == (True, "connected", None)
        assert ready["pushSince"] is not None
        ding = emulator.ring_now(FRONT, ready_after=1.0, seq=1)
        wait_for(lambda: on_disk(settings, ding), "the pushed ding on disk")
        assert get(base, "/readyz")["watch"]["lastMessage"] is not None
        wait_for(lambda: get(base, "/connector/watch")["found"]["push"] == 1, "it counted as pushed")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        while_down = emulator.ring_now(FRONT, ready_after=1.0, seq=2)  # waits at Google for a login
        second, base = serve(env, log)
        try:
            wait_for(lambda: on_disk(settings, while_down), "the ding pushed while it was down")
            # The restart's first poll may bring the ding in while push is still logging in.
            wait_for(lambda: push_state(base) == "connected", "push to connect again")
            counts = emulator.push_counts()
            assert (counts["register"], counts["login"]) == (1, 2)  # checked in, not registered again
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    assert emulator.storage_downloads(str(ding.id)) == emulator.storage_downloads(str(while_down.id)) == 1
    assert "Traceback" not in log.read_text()
