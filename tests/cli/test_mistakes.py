"""The usual mistakes, made from a fresh clone with the defaults kept: each is one line that says
what to do and a non-zero exit from a script, a JSON error with the right status from the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from ringConnector.cli.demo import running_server
from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.cli.clone import SIGN_IN, run_in
from tests.support import ROOT, ZONE, environment, run, wait_for

pytestmark = pytest.mark.process


def one_error_line(stderr: str) -> str:
    """The script's last line, the only one that is an error (log lines of steps may come before)."""
    *logged, last = stderr.strip().splitlines()
    assert "Traceback" not in stderr
    assert not [line for line in logged if line.startswith("error:")]
    assert last.startswith("error: ")
    return last


def test_an_unwritable_data_dir_is_one_line_before_ring_is_asked_anything(
    project: Path, defaults: dict[str, str], emulator: Emulator
) -> None:
    assert run_in(project, "startCreateAuthFile.py", env=defaults, stdin=SIGN_IN).returncode == 0
    signed_in = emulator.counters()
    (project / "data").write_text("a file where DATA_DIR should be")  # root can write anywhere else
    for args in (["2026-11-22"], ["--watch"], ["--dry-run"]):
        result = run_in(project, "startDownload.py", *args, env=defaults)
        assert result.returncode == 1
        line = one_error_line(result.stderr)
        assert line.startswith(f"error: DATA_DIR {project / 'data'} is not writable")
        assert "set DATA_DIR" in line
    assert emulator.counters() == signed_in  # Ring was asked nothing more: no session opened


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only folder all the same")
def test_a_data_dir_without_write_permission_is_one_line(
    project: Path, defaults: dict[str, str], emulator: Emulator
) -> None:
    assert run_in(project, "startCreateAuthFile.py", env=defaults, stdin=SIGN_IN).returncode == 0
    signed_in = emulator.counters()
    (project / "data").mkdir(mode=0o500)
    result = run_in(project, "startDownload.py", env=defaults)
    assert result.returncode == 1
    assert "Permission denied" in one_error_line(result.stderr)
    assert emulator.counters() == signed_in


def test_with_an_unwritable_data_dir_the_server_is_not_ready_and_data_endpoints_answer_503(
    project: Path, defaults: dict[str, str], emulator: Emulator
) -> None:
    assert run_in(project, "startCreateAuthFile.py", env=defaults, stdin=SIGN_IN).returncode == 0
    blocker = project / "data"
    blocker.write_text("a file where DATA_DIR should be")
    with running_server(defaults, cwd=project) as base:
        ready = requests.get(f"{base}/readyz", timeout=30)
        assert ready.status_code == 503
        assert ready.json()["status"] == "not_ready"
        assert ready.json()["reason"].startswith("DATA_DIR data is not writable")  # no path: it is open
        for method, path in [
            ("GET", "/connector/download/today"),
            ("POST", "/connector/download/20261122"),
            ("POST", "/connector/jobs"),
            ("GET", "/connector/events"),
            ("GET", "/connector/events/7289369076883314527"),
            ("GET", "/connector/videos/7289369076883314527"),
        ]:
            answer = requests.request(
                method, base + path, json={} if path.endswith("jobs") else None, timeout=30
            )
            assert answer.status_code == 503, (method, path, answer.text)
            assert answer.json()["error"] == "data_dir_unwritable", (method, path)
            assert answer.json()["message"].startswith(f"DATA_DIR {blocker} is not writable")
        assert requests.get(f"{base}/healthz", timeout=30).status_code == 200
        # The watcher's state answers whatever DATA_DIR's: it is wanted most when its rounds fail.
        assert requests.get(f"{base}/connector/watch", timeout=30).status_code == 200
        assert (
            requests.get(f"{base}/connector/devices", timeout=30).status_code == 200
        )  # Ring's, not DATA_DIR's
        blocker.unlink()  # fixed: no restart needed
        assert requests.get(f"{base}/connector/events", timeout=30).status_code == 200
    assert emulator.count("storage") == 0


def test_watch_mode_on_an_unwritable_data_dir_is_one_line(project: Path, defaults: dict[str, str]) -> None:
    (project / "data").write_text("a file where DATA_DIR should be")
    result = run_in(project, "server.py", env={**defaults, "WATCH": "true"})
    assert result.returncode == 1
    assert one_error_line(result.stderr).startswith("error: DATA_DIR")
    assert "serving on" not in result.stderr.lower()


def test_a_port_in_use_is_one_line_and_serving_is_said_only_once_listening(
    project: Path, defaults: dict[str, str], tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = run_in(project, "server.py", env={**defaults, "PORT": str(port)})
    assert busy.returncode == 1
    assert one_error_line(busy.stderr).startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert "serving on" not in busy.stderr.lower()
    # Free now: one "Serving on" line, once waitress listens.
    log = tmp_path / "server.log"
    server = subprocess.Popen(
        [sys.executable, str(ROOT / "server.py")],
        cwd=project,
        env={**defaults, "PORT": str(port)},
        stderr=log.open("w"),
        start_new_session=True,
    )
    try:
        wait_for(lambda: "Serving on" in log.read_text(), "the server to listen")
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    said = [line for line in log.read_text().splitlines() if "serving on" in line.lower()]
    assert len(said) == 1 and said[0].endswith(f"Serving on http://127.0.0.1:{port} (time zone {ZONE})")


def test_ring_out_of_reach_is_named_at_the_first_failure_and_in_the_last_line(
    project: Path, defaults: dict[str, str]
) -> None:
    assert run_in(project, "startCreateAuthFile.py", env=defaults, stdin=SIGN_IN).returncode == 0
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        nowhere = f"127.0.0.1:{probe.getsockname()[1]}"
    result = run_in(project, "startDownload.py", env={**defaults, "RING_API_URL": f"http://{nowhere}"})
    assert result.returncode == 1
    told = [line for line in result.stderr.splitlines() if nowhere in line]
    assert "WARNING" in told[0] and "could not reach Ring at " + nowhere + " (Connection refused)" in told[0]
    assert "RING_API_URL" in told[0]
    assert len([line for line in told if "WARNING" in line]) == 1  # once, however often it is retried
    assert "attempt 2 failed" in result.stderr
    assert one_error_line(result.stderr) == (
        f"error: could not list Ring devices: session: could not reach Ring at {nowhere} (Connection refused)"
    )


def test_a_time_zone_other_than_the_devices_is_one_warning_line(settings: Settings) -> None:
    # The devices keep Pacific/Kiritimati (UTC+14); Europe/Berlin cuts the days 13 hours apart.
    other = run("startDownload.py", "2026-11-22", env=environment(settings, TIME_ZONE="Europe/Berlin"))
    assert other.returncode == 0, other.stderr
    (warning,) = [line for line in other.stderr.splitlines() if "TIME_ZONE" in line]
    assert "WARNING" in warning and "days are cut in TIME_ZONE Europe/Berlin" in warning
    assert f"Ring's devices are in {ZONE} (Front Door, Shed, Back Door)" in warning
    assert warning.endswith(f"set TIME_ZONE={ZONE} to use theirs")
    same = run("startDownload.py", "2026-11-22", env=environment(settings))  # TIME_ZONE=ZONE
    assert same.returncode == 0 and "TIME_ZONE" not in same.stderr
