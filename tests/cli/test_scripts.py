"""The launchers as a user runs them: subprocesses talking to the emulator over loopback."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ringConnector.cli.demo import running_server
from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from tests.support import ACCOUNT, ROOT, SmallDay, environment, run

pytestmark = pytest.mark.process  # the real scripts and server, as subprocesses


def test_download_help_explains_arguments_and_settings() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "startDownload.py"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    for word in ("YYYY-MM-DD", "DATA_DIR", "TIME_ZONE", "OAUTH_FILE", "exit status"):
        assert word in result.stdout


@pytest.mark.parametrize("day", ["2026-02-30", "20261122", "tomorrow"])
def test_a_bad_date_is_one_line_and_exit_2(settings: Settings, day: str) -> None:
    result = run("startDownload.py", day, env=environment(settings))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("startDownload.py: error:")
    assert "Traceback" not in result.stderr


def test_download_a_day_then_again(settings: Settings, emulator: Emulator) -> None:
    env = environment(settings)
    first = run("startDownload.py", "2026-11-22", env=env)
    assert first.returncode == 0, first.stderr
    assert "20261122: 5 downloaded" in first.stdout
    for ring_id in SmallDay.expected_dings():
        assert ring_id in first.stdout
    again = run("startDownload.py", "2026-11-22", env=env)
    assert again.returncode == 0
    assert "20261122: 0 downloaded" in again.stdout


def test_a_failed_event_exits_1(settings: Settings, emulator: Emulator) -> None:
    emulator.set_event(SmallDay.first.id, prepare_after_hits=10_000)
    result = run("startDownload.py", "2026-11-22", env=environment(settings))
    assert result.returncode == 1
    assert f"failed     event {SmallDay.first.id}" in result.stdout


def test_no_token_exits_3_naming_the_fix(settings: Settings) -> None:
    settings.oauth_file.unlink()
    result = run("startDownload.py", "2026-11-22", env=environment(settings))
    assert result.returncode == 3
    assert result.stderr.strip().count("\n") == 0
    assert "startCreateAuthFile.py" in result.stderr


def test_a_bad_setting_is_one_line(settings: Settings) -> None:
    result = run("startDownload.py", env=environment(settings, TIME_ZONE="Mars/Olympus"))
    assert result.returncode == 1
    assert result.stderr.strip() == "error: TIME_ZONE 'Mars/Olympus' is not an IANA time zone name"


def test_create_auth_file_with_a_2fa_code(settings: Settings) -> None:
    settings.oauth_file.unlink()
    result = run(
        "startCreateAuthFile.py",
        env=environment(settings),
        stdin=f"{ACCOUNT.username}\n{ACCOUNT.password}\n123456\n",
    )
    assert result.returncode == 0, result.stderr
    assert settings.oauth_file.stat().st_mode & 0o777 == 0o600
    assert ACCOUNT.password not in result.stdout + result.stderr


def test_create_auth_file_with_a_wrong_password(settings: Settings) -> None:
    before = settings.oauth_file.read_bytes()
    result = run("startCreateAuthFile.py", env=environment(settings), stdin=f"{ACCOUNT.username}\nwrong\n")
    assert result.returncode == 3
    assert "error: Ring rejected the user name or password" in result.stderr
    assert settings.oauth_file.read_bytes() == before


@pytest.fixture
def server(settings: Settings, emulator: Emulator) -> Iterator[str]:
    """server.py in a subprocess, aimed at the emulator."""
    with running_server(environment(settings)) as base:
        yield base


def test_the_server_answers_over_a_real_socket(server: str, emulator: Emulator) -> None:
    assert requests.get(server + "/", timeout=10).json()["status"] == "ok"
    first = requests.post(server + "/connector/download/20261122", json=[str(SmallDay.first.id)], timeout=60)
    assert first.status_code == 200
    assert {e["ringId"] for e in first.json()} == SmallDay.expected_dings() - {str(SmallDay.first.id)}
    assert first.headers["Server"] == "ringConnector"  # waitress, not Flask's development server
    bad = requests.post(server + "/connector/download/20261341", timeout=10)
    assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
    missing = requests.get(server + "/nowhere", timeout=10)
    assert missing.status_code == 404 and missing.headers["Content-Type"] == "application/json"


def test_the_launchers_run_without_an_activated_venv() -> None:
    # The interpreter the venv was made from has none of the requirements; the launcher
    # must switch to .venv/bin/python by itself (as it does under cron).
    base = getattr(sys, "_base_executable", sys.executable)
    for script in ("startDownload.py", "startCreateAuthFile.py", "server.py"):
        result = subprocess.run(
            [base, str(ROOT / script), "--help"], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        assert "usage:" in result.stdout


def test_json_log_lines_and_each_event_told_once_on_stdout(settings: Settings, emulator: Emulator) -> None:
    result = run("startDownload.py", "2026-11-22", env=environment(settings, LOG_FORMAT="json"))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert all(set(line) >= {"time", "level", "logger", "message"} for line in lines)
    assert not [line for line in lines if line["message"].startswith("downloaded event")]
    told = [line for line in result.stdout.splitlines() if line.startswith("downloaded ")]
    assert sorted(line.split()[1] for line in told) == sorted(SmallDay.expected_dings())


def test_piped_output_tells_each_event_once_and_explains_a_recording_not_ready(settings: Settings) -> None:
    result = run("startDownload.py", "2026-11-22", env=environment(settings))  # LOG_LEVEL=INFO
    assert result.returncode == 0, result.stderr
    told = [line for line in (result.stdout + result.stderr).splitlines() if "downloaded" in line]
    for ring_id in SmallDay.expected_dings():
        assert len([line for line in told if ring_id in line]) == 1, told
    processing = SmallDay.processing.id  # Ring never finishes preparing it here
    assert (
        f"skipped    {processing}: recording not ready, Ring is still preparing it: not a failure, "
        in result.stdout
    )
    assert "20261122: 5 downloaded, 1 skipped, 0 failed" in result.stdout
    assert " INFO " in result.stderr  # the other steps are still logged


def test_sign_in_prompts_come_without_log_lines_and_say_saved_once(settings: Settings) -> None:
    settings.oauth_file.unlink()
    answers = f"{ACCOUNT.username}\n{ACCOUNT.password}\n123456\n"
    result = run("startCreateAuthFile.py", env=environment(settings), stdin=answers)  # LOG_LEVEL=INFO
    assert result.returncode == 0, result.stderr
    # Without a terminal getpass warns that the password may be echoed; nothing else is logged.
    assert [line for line in result.stderr.splitlines() if "INFO" in line or "ringConnector" in line] == []
    said = result.stdout + result.stderr
    assert said.count(str(settings.oauth_file)) == 2  # where it goes, then that it went there
    assert "saved" not in said and said.count("Token written to") == 1
    assert result.stdout.rstrip().endswith(f"Token written to {settings.oauth_file}; keep it private.")


LAUNCHERS = ("startDownload.py", "startCreateAuthFile.py", "server.py")


def test_a_virtualenv_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    # A project whose .venv's python cannot run here (built by another user, for another
    # machine): the launchers and what they import first, and a python that is no program.
    for part in (
        *LAUNCHERS,
        "ringConnector/__init__.py",
        "ringConnector/cli/__init__.py",
        "ringConnector/cli/venv.py",
    ):
        (tmp_path / part).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / part, tmp_path / part)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("not a program\n")
    python.chmod(0o755)
    base = getattr(sys, "_base_executable", sys.executable)
    for script in LAUNCHERS:
        result = subprocess.run([base, str(tmp_path / script)], capture_output=True, text=True, check=False)
        assert result.returncode == 1
        assert result.stderr.strip() == (
            f"error: cannot use the virtualenv {tmp_path / '.venv'} (Exec format error): run "
            "./scripts/bootstrap.sh as this user to rebuild it, or set RINGCONNECTOR_NO_VENV=1 to run "
            f"with {base} (requirements.lock installed into it)"
        )


def test_an_interpreter_without_the_requirements_is_one_line() -> None:
    base = getattr(sys, "_base_executable", sys.executable)  # none of the requirements
    env = {**os.environ, "RINGCONNECTOR_NO_VENV": "1"}
    for script in LAUNCHERS:
        result = subprocess.run(
            [base, str(ROOT / script)], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 1
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith(f"error: {base} lacks the project's requirements (No module named ")
        assert line.endswith(
            "install requirements.lock into it, or unset RINGCONNECTOR_NO_VENV and run ./scripts/bootstrap.sh"
        )
