"""The scripts and server as a new user runs them: from the project folder of a fresh clone, with
every default kept (OAUTH_FILE and DATA_DIR relative), so what they write lands beside the
project, where `git status` sees it."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ringConnector.cli.demo import running_server
from ringConnector.emulator import Emulator
from tests.cli.clone import SIGN_IN, git, run_in
from tests.support import FRONT, ROOT, SmallDay, wait_for

pytestmark = pytest.mark.process


def test_with_the_default_data_dir_a_video_is_served_and_its_file_name_opens_from_anywhere(
    project: Path, defaults: dict[str, str], emulator: Emulator
) -> None:
    signed = run_in(project, "startCreateAuthFile.py", env=defaults, stdin=SIGN_IN)
    assert signed.returncode == 0, signed.stderr
    downloaded = run_in(project, "startDownload.py", "2026-11-22", env=defaults)
    assert downloaded.returncode == 0, downloaded.stderr
    ring_id = str(SmallDay.first.id)
    (event_file,) = (project / "data" / "videos").glob(f"*-{ring_id}.json")
    video = Path(json.loads(event_file.read_text())["videoFileName"])
    # This test runs elsewhere than the script did: the name opens as it is.
    assert video.is_absolute() and Path.cwd() != project
    assert hashlib.sha256(video.read_bytes()).hexdigest() == emulator.expected_sha256(ring_id)
    with running_server(defaults, cwd=project) as base:
        served = requests.get(f"{base}/connector/videos/{ring_id}", timeout=30)
        listed = requests.get(f"{base}/connector/events/{ring_id}", timeout=30).json()
    assert served.status_code == 200, served.text
    assert hashlib.sha256(served.content).hexdigest() == emulator.expected_sha256(ring_id)
    assert listed["videoFileName"] == str(video)


def test_after_sign_in_and_watch_mode_git_status_is_clean(
    project: Path, defaults: dict[str, str], emulator: Emulator
) -> None:
    signed = run_in(project, "startCreateAuthFile.py", env=defaults, stdin=SIGN_IN)
    assert signed.returncode == 0, signed.stderr
    # A pasted Partner token (Enter at the code prompt; no refresh token; the default lifetime).
    linked = run_in(
        project, "startCreateAuthFile.py", "--partner", env=defaults, stdin="\nan-access-token\n\n\n"
    )
    assert linked.returncode == 0, linked.stderr
    log = project.parent / "watch.log"
    watcher = subprocess.Popen(
        [sys.executable, str(ROOT / "startDownload.py"), "--watch"],
        cwd=project,
        env={**defaults, "WATCH_POLL_INTERVAL": "600", "RETRY_INITIAL_DELAY": "0.2"},
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(lambda: "push: listening" in log.read_text(), "push to listen")
        ding = emulator.ring_now(FRONT, ready_after=0.5, seq=1)
        wait_for(lambda: any((project / "data" / "videos").glob(f"*-{ding.id}.json")), "the ding on disk")
    finally:
        watcher.send_signal(signal.SIGTERM)
        assert watcher.wait(timeout=30) == 0, log.read_text()
    written = {path.name for path in project.iterdir()} - {".git", ".gitignore"}
    # What the connector writes beside the project: the tokens, the hardware id, the session,
    # push's credentials, their lock files, and DATA_DIR (videos, the state database, the locks).
    assert {
        "oauth-authorization.json",
        ".oauth-authorization.json.lock",
        "oauth-authorization.json.hardware_id",
        "oauth-authorization.json.session.json",
        "fcm-credentials.json",
        ".fcm-credentials.json.lock",
        "partner-token.json",
        ".partner-token.json.lock",
        "data",
    } <= written
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
