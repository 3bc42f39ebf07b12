"""The README's "Try everything on the emulator" session runs as written, and each example
answers what the README says.

The session's `sh` blocks are typed, command after command, into one bash (so `&`, `%1` and the
heredocs work as in a terminal), in a folder laid out as a fresh clone of this working tree with
every default kept: relative DATA_DIR and token files, no `.env` but the one the session writes,
no setting in the environment. Three things differ from a person's terminal, each for a reason:
- `./scripts/bootstrap.sh` links the project's own `.venv` instead of installing one (a test
  must not download packages);
- the emulator's ports and the server's are free ones, replaced everywhere in the session (the
  README's are the defaults, which another program on this machine may hold);
- the prompts of `startCreateAuthFile.py` are answered from what the README says to type, and,
  with `--partner`, from the code the session's previous command printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ringConnector.config import SETTING_NAMES, Settings
from ringConnector.emulator import DEMO_CODE, DEMO_PASSWORD, DEMO_USERNAME, FRONT_DOOR
from ringConnector.emulator.__main__ import _parser as emulator_parser
from tests.docs.pages import fenced, page, section
from tests.support import ROOT, wait_for

pytestmark = pytest.mark.process

# Where the session's commands stand out from their comments: "cmd   # what it answers".
COMMENT = re.compile(r"\s+#\s(.*)$")
RING_ID = re.compile(r"\b\d{19}\b")


def session_text() -> str:
    """The session's `sh` blocks, comments and all."""
    return "\n".join(fenced(section(page("README.md"), "## Try everything on the emulator")))


def session() -> list[str]:
    """The session's commands, in order: each a line, with its continuation lines and heredoc."""
    text = session_text()
    commands: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        command = [line]
        while command[-1].split(" #", 1)[0].rstrip().endswith("\\"):
            command.append(next(lines))
        heredoc = re.search(r"<<'(\w+)'", line)
        if heredoc:
            while command[-1] != heredoc.group(1):
                command.append(next(lines))
        commands.append("\n".join(command))
    return commands


def comment(command: str) -> str:
    """What the README says after the command's `#`."""
    found = COMMENT.search(command.splitlines()[0]) or COMMENT.search(command.splitlines()[-1])
    return found.group(1) if found else ""


def without_comment(command: str) -> str:
    lines = command.splitlines()
    return "\n".join(COMMENT.sub("", line) if "<<" not in command else line for line in lines).rstrip()


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def default_ports() -> dict[str, int]:
    """The emulator's ports and the server's, as a user who changes nothing gets them."""
    emulator = emulator_parser().parse_args([])
    return {
        "api": emulator.api_port,
        "storage": emulator.storage_port,
        "partner": emulator.partner_port,
        "google": emulator.google_port,
        "mcs": emulator.mcs_port,
        "server": Settings().port,
    }


def fresh_clone(folder: Path) -> Path:
    """The project's files as a clone of this working tree has them (tracked, and new files not
    ignored), without anything a user's runs left beside them."""
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


@dataclass
class Shell:
    """One bash reading commands from a pipe, as a terminal would type them: no controlling
    terminal, so getpass reads the answers it is given like input()."""

    folder: Path
    env: dict[str, str]
    logs: Path
    process: subprocess.Popen[str] = field(init=False)
    count: int = 0

    def __post_init__(self) -> None:
        self.logs.mkdir()
        self.process = subprocess.Popen(
            ["bash"],
            cwd=self.folder,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=(self.logs / "bash.out").open("w"),
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def _send(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def run(self, command: str, answers: str = "") -> Result:
        """Run one command to its end; its exit status and output."""
        self.count += 1
        n, logs = self.count, self.logs
        (logs / f"{n}.in").write_text(answers)
        self._send(
            f"{{\n{command}\n}} >{logs}/{n}.out 2>{logs}/{n}.err <{logs}/{n}.in; echo $? >{logs}/{n}.rc"
        )
        wait_for(
            lambda: (logs / f"{n}.rc").is_file() and (logs / f"{n}.rc").read_text().endswith("\n"),
            command,
            120,
        )
        return Result(
            command,
            int((logs / f"{n}.rc").read_text()),
            (logs / f"{n}.out").read_text(),
            (logs / f"{n}.err").read_text(),
        )

    def start(self, command: str, ready: Callable[[str, str], bool]) -> None:
        """Start a command in the background (`&`) and wait until `ready(stdout, stderr)`."""
        self.count += 1
        n, logs = self.count, self.logs
        self._send(f"{command} >{logs}/{n}.out 2>{logs}/{n}.err </dev/null &")
        out, err = logs / f"{n}.out", logs / f"{n}.err"
        wait_for(
            lambda: out.is_file() and ready(out.read_text(), err.read_text()), f"{command} to be ready", 60
        )

    def close(self) -> None:
        """Wait for what the session left running (nothing, if it stopped what it started)."""
        self._send("wait; exit")
        try:
            self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@dataclass
class Result:
    command: str
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[Shell]:
    folder = fresh_clone(tmp_path / "ringConnector")
    env = {
        k: v for k, v in os.environ.items() if k not in SETTING_NAMES and not k.startswith("RINGCONNECTOR_")
    }
    env.pop("SSL_CERT_FILE", None)
    running = Shell(folder, env, tmp_path / "session")
    try:
        yield running
    finally:
        if running.process.poll() is None:
            os.killpg(running.process.pid, signal.SIGTERM)
            try:
                running.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(running.process.pid, signal.SIGKILL)
                running.process.wait()


def test_the_session_uses_the_default_ports_and_the_demo_account() -> None:
    text = "\n".join(session())
    ports = default_ports()
    assert f"127.0.0.1:{ports['api']}" in text and f"127.0.0.1:{ports['partner']}" in text
    assert f"127.0.0.1:{ports['server']}" in text
    (sign_in,) = [c for c in session() if c.startswith("./startCreateAuthFile.py") and "--partner" not in c]
    assert all(word in comment(sign_in) for word in (DEMO_USERNAME, DEMO_PASSWORD, DEMO_CODE))


def test_the_readme_session_runs_as_written_and_answers_what_it_says(shell: Shell) -> None:
    defaults, chosen = default_ports(), dict(zip(default_ports(), free_ports(6), strict=True))
    # The server's port: PORT, the one setting the session's shell holds.
    assert shell.run(f"export PORT={chosen['server']}").status == 0
    folder = shell.folder
    rung: dict[str, Any] = {}
    results: list[Result] = []
    checked: set[str] = set()
    day: list[dict[str, Any]] = []

    def check(key: str) -> bool:
        checked.add(key)
        return True

    for written in session():
        command = without_comment(written)
        for name, port in defaults.items():
            command = command.replace(f"127.0.0.1:{port}", f"127.0.0.1:{chosen[name]}")
        said = comment(written)
        if command == "./scripts/bootstrap.sh":
            venv = ROOT / ".venv" if (ROOT / ".venv").is_dir() else Path(sys.prefix)
            (folder / ".venv").symlink_to(venv)
            continue
        if command.endswith("&"):
            command = command[:-1].rstrip()
            if "ringConnector.emulator" in command:
                command += "".join(
                    f" --{name}-port {chosen[name]}"
                    for name in ("api", "storage", "partner", "google", "mcs")
                )
                shell.start(command, lambda out, err: out.endswith("\n"))
                urls = json.loads((shell.logs / f"{shell.count}.out").read_text().splitlines()[0])
                assert urls["api_url"] == f"http://127.0.0.1:{chosen['api']}" and check("emulator")
            else:
                assert command == "./server.py"
                shell.start(command, lambda out, err: "Serving on" in err)
                check("server")
            continue
        answers = ""
        if command == "./startCreateAuthFile.py":
            answers = f"{DEMO_USERNAME}\n{DEMO_PASSWORD}\n{DEMO_CODE}\n"
        elif command == "./startCreateAuthFile.py --partner":
            link = results[-1].json()
            answers = f"{link['code']}\n{link['account_link']}\n"
        result = shell.run(command, answers)
        results.append(result)
        assert result.status == 0, f"{command}\n{result.out}\n{result.err}"
        if command.startswith("curl") and " -o " not in command and " -i " not in command:
            answer = result.json()
            assert answer, f"{command} answered nothing"
            assert not (isinstance(answer, dict) and "error" in answer), f"{command}: {answer}"

        if command == "./startCreateAuthFile.py":
            assert "Token written" in result.out and check("sign-in")
        elif command == "./startCreateAuthFile.py --partner":
            assert "PATCH" in result.out and "completed" in result.out and check("partner link")
        elif command.startswith("./startDownload.py 2026-11-21"):
            downloaded, *skipped = re.findall(r"(\d+) (?:downloaded|skipped)", said)
            summary = f"20261121: {downloaded} downloaded, {skipped[0] if skipped else 0} skipped, 0 failed"
            assert summary in result.out, result.out
            check("partner download" if "ava1" in said else "download")
        elif command.startswith("./startDownload.py --record"):
            assert re.search(r"^recorded ava1\.ring\.history\.event\.\S+ ", result.out, re.M) and check(
                "record"
            )
        elif "/connector/devices" in command:
            names = {device["name"] for device in result.json()}
            assert set(said.split(", ")) <= names and check("devices")
        elif "/connector/events?date=" in command:
            day = result.json()
            (count,) = re.findall(r"(\d+) events", said)
            assert len(day) == int(count) and check("events of the day")
            assert [e["createdAt"] for e in day] == sorted(e["createdAt"] for e in day)
        elif "/connector/events?after=" in command:
            feed = result.json()
            limit = int(re.findall(r"limit=(\d+)", command)[0])
            assert len(feed["events"]) == limit and feed["more"] and check("change feed")
        elif re.search(r"curl \S+/connector/events/\d+$", command):
            event = result.json()
            clock = re.findall(r"\d\d:\d\d:\d\d", said)[0].replace(":", "")
            assert event["ringId"] == RING_ID.findall(command)[0] and event["eventName"].endswith(clock)
            assert event["deviceName"] in said and event["kind"] in said and check("one event")
        elif command.startswith("curl -o "):
            target = folder / command.split()[2]
            assert b"ftyp" in target.read_bytes()[:16] and check("video")
        elif "-X PATCH" in command:
            assert result.json()["status"] == "PROCESSED" and check("status")
        elif "-X POST" in command and "/connector/download/20261121" in command:
            others = result.json()
            (count,) = re.findall(r"the other (\d+)", session_text())
            held = RING_ID.findall(command)
            assert len(others) == int(count) and not {e["ringId"] for e in others} & set(held)
            check("the article's call")
        elif "/_emulator/ring" in command:
            rung = result.json()
            assert rung["device_id"] == FRONT_DOOR and check("ring")
        elif command.endswith("/connector/download/today"):
            (event,) = result.json()
            assert event["ringId"] == rung["id"] and "one ding" in said and check("today")
        elif "/connector/jobs" in command:
            assert " 202 " in result.out.splitlines()[0] and "Location: /connector/jobs/" in result.out
            check("job")
        elif "/readyz" in command:
            assert result.json()["status"] == "ready" and check("ready")
        elif "/_emulator/partner/code" in command:
            assert {"code", "account_link"} <= set(result.json()) and check("partner code")
    shell.close()

    # Every id the session names is one the emulator's day really has.
    downloaded = {event["ringId"] for event in day}
    named = set(RING_ID.findall(session_text()))
    assert named and named <= downloaded, named - downloaded
    assert str(FRONT_DOOR) in "\n".join(session())
    # Everything the README promises was tried.
    assert checked == {
        "emulator", "sign-in", "download", "server", "devices", "events of the day", "one event",
        "video", "status", "the article's call", "change feed", "ring", "today", "job", "ready",
        "partner code", "partner link", "partner download", "record",
    }  # fmt: skip
    # With every default kept, the files are where a user looks for them: beside the project.
    assert (folder / "oauth-authorization.json").is_file() and (folder / "partner-token.json").is_file()
    assert any((folder / "data" / "videos").glob("*-7710511390712590570.mp4"))
