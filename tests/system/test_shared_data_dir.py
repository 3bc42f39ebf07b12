"""server.py and startDownload.py on the same DATA_DIR and OAUTH_FILE, with ten simultaneous
requests for the same day: each recording is fetched from storage once, each file is intact,
and each event is reported as downloaded by exactly one caller."""

from __future__ import annotations

import re
import subprocess
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from ringConnector.cli.demo import running_server
from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from ringConnector.storage.stills import decodes
from tests.support import (
    BACK,
    DAY,
    FRONT,
    environment,
    leftovers,
    make_event,
    run,
    sha256,
    wait_for,
)

# Eight recordings of 500 kB at 1 MB/s per connection, on two doorbells (one shared).
BANDWIDTH = 1_000_000
EVENTS = [make_event(FRONT if n % 2 else BACK, DAY, f"{8 + n:02d}:00:00", size=500_000) for n in range(8)]
IDS = {str(event.id) for event in EVENTS}
# Four more of 1 MB for the second test: the script is fetching them when the server is asked.
SCRIPTS = [make_event(FRONT, DAY, f"{20 + n:02d}:00:00", size=1_000_000) for n in range(4)]
SCRIPT_IDS = {str(event.id) for event in SCRIPTS}
CALLERS = 10
DEADLINE = 30.0
PATH = f"/connector/download/{DAY:%Y%m%d}"


pytestmark = [pytest.mark.events(EVENTS), pytest.mark.storage_bandwidth(BANDWIDTH), pytest.mark.process]


@pytest.fixture
def env(settings: Settings) -> dict[str, str]:
    return environment(settings)


@pytest.fixture
def server(env: dict[str, str], emulator: Emulator) -> Iterator[str]:
    with running_server(env) as base:
        yield base


def script_downloaded(result: subprocess.CompletedProcess[str]) -> list[str]:
    return re.findall(r"^downloaded (\d+) ", result.stdout, re.MULTILINE)


def answered_downloaded(responses: list[requests.Response]) -> list[str]:
    ids = []
    for response in responses:
        assert response.status_code == 200, response.text
        assert response.headers["X-Download-Complete"] == "true", response.headers
        ids += [str(body["ringId"]) for body in response.json()]
    return ids


def check_files(videos: Path, emulator: Emulator, ids: set[str]) -> None:
    """One intact video, one still and one event JSON per event, nothing else visible, no
    temporary left."""
    visible = sorted(p.name for p in videos.iterdir() if not p.name.startswith("."))
    assert len(visible) == 3 * len(ids), visible
    for ring_id in ids:
        (video,) = videos.glob(f"*-{ring_id}.mp4")
        (_json,) = videos.glob(f"*-{ring_id}.json")
        (still,) = videos.glob(f"*-{ring_id}.jpg")
        assert sha256(video) == emulator.expected_sha256(ring_id) and decodes(still.read_bytes())
    assert leftovers(videos) == []


def test_ten_requests_and_the_script_at_once_fetch_each_recording_once(
    server: str, env: dict[str, str], emulator: Emulator, settings: Settings
) -> None:
    start = threading.Barrier(CALLERS + 1)

    def post() -> requests.Response:
        start.wait(timeout=DEADLINE)
        return requests.post(server + PATH, timeout=60)

    def script() -> subprocess.CompletedProcess[str]:
        start.wait(timeout=DEADLINE)
        return run("startDownload.py", DAY.isoformat(), env=env)

    with ThreadPoolExecutor(CALLERS + 1) as pool:
        calls = [pool.submit(post) for _ in range(CALLERS)]
        beside = pool.submit(script)
        responses = [call.result() for call in calls]
        result = beside.result()

    assert result.returncode == 0, result.stdout + result.stderr
    reported = Counter(answered_downloaded(responses) + script_downloaded(result))
    assert set(reported) == IDS
    assert [ring_id for ring_id, n in reported.items() if n > 1] == []  # no event told twice
    for ring_id in IDS:
        assert emulator.storage_downloads(ring_id) == 1, ring_id
    check_files(settings.videos_dir, emulator, IDS)


@pytest.mark.events(SCRIPTS)
class TestTheScriptFirst:
    """The script is fetching its day when more events appear and the ten requests come."""

    def test_the_server_waits_for_what_the_script_is_fetching(
        self, server: str, env: dict[str, str], emulator: Emulator, settings: Settings
    ) -> None:
        with ThreadPoolExecutor(CALLERS + 1) as pool:
            beside = pool.submit(run, "startDownload.py", DAY.isoformat(), env=env)
            wait_for(
                lambda: all(
                    emulator.bytes_sent(i) > 0 and emulator.storage_downloads(i) == 0 for i in SCRIPT_IDS
                ),
                "the script fetching its four recordings",
            )
            emulator.add_events(EVENTS)
            calls = [pool.submit(requests.post, server + PATH, timeout=60) for _ in range(CALLERS)]
            responses = [call.result() for call in calls]
            result = beside.result()

        assert result.returncode == 0, result.stdout + result.stderr
        assert sorted(script_downloaded(result)) == sorted(SCRIPT_IDS)
        # The server found the script's four in flight (locked) or done, and fetched none of them.
        assert sorted(answered_downloaded(responses)) == sorted(IDS)
        for ring_id in IDS | SCRIPT_IDS:
            assert emulator.storage_downloads(ring_id) == 1, ring_id
        check_files(settings.videos_dir, emulator, IDS | SCRIPT_IDS)
