"""kill -9 in the middle of downloads, then a rerun: nothing partial under a final name, every
event complete once, and what the killed run finished is not fetched again."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from ringConnector.storage.stills import decodes
from tests.support import DAY, FINAL, FRONT, ROOT, environment, make_event, run, sha256, wait_for

# Six recordings of 2 MB at 1 MB/s per connection, four at once: the run takes about four
# seconds, in two waves, so a kill lands while some events are done and others mid-transfer.
SIZE = 2_000_000
BANDWIDTH = 1_000_000
EVENTS = [make_event(FRONT, DAY, f"{hour:02d}:00:00", size=SIZE) for hour in range(8, 14)]
IDS = {str(event.id) for event in EVENTS}
DEADLINE = 30.0


pytestmark = [pytest.mark.events(EVENTS), pytest.mark.storage_bandwidth(BANDWIDTH), pytest.mark.process]


def finished(videos: Path) -> set[str]:
    """Ring ids whose event JSON is under its final name (the product's "downloaded")."""
    if not videos.is_dir():
        return set()
    return {m["ring_id"] for p in videos.iterdir() if (m := FINAL.match(p.name)) and m["ext"] == "json"}


def some_done_some_streaming(emulator: Emulator, videos: Path) -> Callable[[], bool]:
    """True once an event is finished on disk while another one's body is still being sent."""

    def check() -> bool:
        done = finished(videos)
        streaming = {
            i for i in IDS - done if emulator.bytes_sent(i) > 0 and emulator.storage_downloads(i) == 0
        }
        return bool(done) and bool(streaming)

    return check


def temporaries(videos: Path) -> set[str]:
    return {p.name for p in videos.iterdir() if p.name.startswith(".part-")}


def check_final_names(videos: Path, emulator: Emulator) -> set[str]:
    """Every visible file is a final name of a known event, every video under one is complete,
    every event JSON has its video; returns the ids with an event JSON."""
    jsons: set[str] = set()
    for path in videos.iterdir():
        if path.name.startswith("."):
            continue  # hidden: temporary files and the lock folder
        match = FINAL.match(path.name)
        assert match, f"unexpected visible file {path.name}"
        ring_id = match["ring_id"]
        assert ring_id in IDS
        if match["ext"] == "mp4":
            assert sha256(path) == emulator.expected_sha256(ring_id), f"{path.name} is not complete"
        elif match["ext"] == "jpg":
            assert decodes(path.read_bytes()), f"{path.name} is not a whole picture"
        else:
            assert path.with_suffix(".mp4").is_file(), f"{path.name} has no video"
            jsons.add(ring_id)
    return jsons


def check_all_complete_once(videos: Path, emulator: Emulator) -> None:
    names = [p.name for p in videos.iterdir() if not p.name.startswith(".")]
    for ring_id in IDS:
        for ext in ("mp4", "json", "jpg"):
            assert len([n for n in names if n.endswith(f"-{ring_id}.{ext}")]) == 1, (ring_id, ext)
    assert check_final_names(videos, emulator) == IDS


def test_kill_9_of_the_script_then_a_rerun(settings: Settings, emulator: Emulator, tmp_path: Path) -> None:
    env = environment(settings)
    videos = settings.videos_dir
    with (tmp_path / "killed-run.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "startDownload.py"), DAY.isoformat()],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(some_done_some_streaming(emulator, videos), "one event done and another mid-transfer")
        finally:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == -9

    done_when_killed = check_final_names(videos, emulator)
    assert done_when_killed and done_when_killed != IDS  # the kill landed mid-run
    left_by_kill = temporaries(videos)

    rerun = run("startDownload.py", DAY.isoformat(), env=env)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    downloaded = re.findall(r"^downloaded (\d+) ", rerun.stdout, re.MULTILINE)
    assert sorted(downloaded) == sorted(IDS - done_when_killed)
    check_all_complete_once(videos, emulator)
    for ring_id in done_when_killed:
        assert emulator.storage_downloads(ring_id) == 1, f"{ring_id} was fetched again"
    # The killed run's temporary files are held by no process: the rerun's sweep removes them at
    # once, however young; and it leaves none of its own.
    assert left_by_kill and temporaries(videos) == set()


class KillableServer:
    """server.py in a subprocess on a free port, whose log is drained; kill() is kill -9."""

    def __init__(self, env: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "server.py")],
            env={**env, "PORT": str(port)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stderr is not None
        for line in self.process.stderr:  # waitress logs "Serving on http://..." once it listens
            self.log.append(line)
            if "Serving on" in line:
                break
        else:
            self.process.wait(timeout=10)
            raise RuntimeError("server.py exited before serving: " + "".join(self.log[-5:]))
        # Keep reading, so a chatty log never fills the pipe and blocks the server.
        self._drain = threading.Thread(target=self._read_rest, daemon=True)
        self._drain.start()

    def _read_rest(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.log.append(line)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self._drain.join(timeout=10)
        assert self.process.stderr is not None
        self.process.stderr.close()


@contextmanager
def killable_server(env: dict[str, str]) -> Iterator[KillableServer]:
    server = KillableServer(env)
    try:
        yield server
    finally:
        server.stop()


def test_kill_9_of_the_server_then_a_fresh_server(settings: Settings, emulator: Emulator) -> None:
    env = environment(settings)
    videos = settings.videos_dir
    path = f"/connector/download/{DAY:%Y%m%d}"
    with killable_server(env) as server, ThreadPoolExecutor(1) as pool:
        call = pool.submit(requests.post, server.url + path, timeout=60)
        wait_for(some_done_some_streaming(emulator, videos), "one event done and another mid-transfer")
        server.kill()
        assert server.process.returncode == -9
        with pytest.raises(requests.ConnectionError):
            call.result(timeout=DEADLINE)

    done_when_killed = check_final_names(videos, emulator)
    assert done_when_killed and done_when_killed != IDS  # the kill landed mid-run
    left_by_kill = temporaries(videos)

    with killable_server(env) as server:
        again = requests.post(server.url + path, timeout=60)
    assert again.status_code == 200
    assert again.headers["X-Download-Complete"] == "true"
    assert sorted(body["ringId"] for body in again.json()) == sorted(IDS - done_when_killed)
    check_all_complete_once(videos, emulator)
    for ring_id in done_when_killed:
        assert emulator.storage_downloads(ring_id) == 1, f"{ring_id} was fetched again"
    assert temporaries(videos) <= left_by_kill
