"""server.py watching with push and a CALLBACK_URL, as a user runs it: the first look's SNAPSHOT
callback and the video's each reach the pipeline once, across a `kill -9` that happens while the
pipeline refuses them (nothing lost) and after it took one (nothing twice)."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.download.test_callbacks import Pipeline
from tests.support import FRONT, environment, wait_for
from tests.watch.test_push_process import push_state, serve

pytestmark = pytest.mark.process


def stages(pipeline: Pipeline) -> Counter[tuple[str, str]]:
    """(ring id, status) of every body the pipeline took (answered 204), counted."""
    with pipeline.lock:
        return Counter((str(body["ringId"]), str(body["status"])) for body in pipeline.received)


def test_each_stage_reaches_the_pipeline_once_across_a_kill_9(
    settings: Settings, emulator: Emulator, pipeline: Pipeline, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{pipeline.server_address[1]}/ring-events"
    env = environment(
        settings, WATCH="true", WATCH_POLL_INTERVAL="600", RETRY_INITIAL_DELAY="0.2", CALLBACK_URL=url
    )
    log = tmp_path / "server.log"
    first, base = serve(env, log)
    try:
        wait_for(lambda: push_state(base) == "connected", "push to connect")
        pipeline.failures = 10**9  # the pipeline refuses everything for now
        slow = emulator.ring_now(FRONT, ready_after=12.0, still_after=0.3, seq=1)
        slow_id = str(slow.id)
        wait_for(lambda: any(settings.videos_dir.glob(f"*-{slow_id}.jpg")), "the first look's still")
        wait_for(lambda: pipeline.calls >= 1, "its callback, refused")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        with pipeline.lock:
            pipeline.failures = pipeline.calls  # the pipeline is back: it takes what comes next
        quick = emulator.ring_now(FRONT, ready_after=1.0, still_after=0.3, seq=2)  # pushed while down
        quick_id = str(quick.id)
        second, base = serve(env, log)
        try:
            wait_for(lambda: stages(pipeline)[(slow_id, "SNAPSHOT")] == 1, "the refused still, sent again")
            wait_for(lambda: stages(pipeline)[(quick_id, "UNPROCESSED")] == 1, "the ding while down")
            wait_for(lambda: stages(pipeline)[(slow_id, "UNPROCESSED")] == 1, "the slow ding's video", 60)
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=30) == 0
    finally:
        if first.poll() is None:
            first.kill()
    taken = stages(pipeline)
    assert max(taken.values()) == 1, taken  # no stage of any event twice
    assert set(taken) <= {
        (slow_id, "SNAPSHOT"),
        (slow_id, "UNPROCESSED"),
        (quick_id, "SNAPSHOT"),
        (quick_id, "UNPROCESSED"),
    }
    assert "Traceback" not in log.read_text()
