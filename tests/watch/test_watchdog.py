"""The service manager is told: ready once the server listens, alive (its watchdog fed) while the
watcher is not hung, stopping at the end; a watcher whose loop fails makes server.py exit 1, so
that systemd's Restart=on-failure starts it again. NOTIFY_SOCKET is a real datagram socket here."""

from __future__ import annotations

import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.watch.watchdog import Watchdog, notify, watchdog_interval
from ringConnector.watch.watcher import Watcher
from ringConnector.web.app import create_app
from ringConnector.web.serving import service_problem
from tests.support import ROOT, environment, served, wait_for


class NotifySocket:
    """Where systemd listens for sd_notify messages: an abstract Unix datagram socket."""

    def __init__(self) -> None:
        self.address = f"@ringconnector-test-{secrets.token_hex(6)}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.address[1:])
        self.sock.setblocking(False)
        self.messages: list[str] = []

    def received(self) -> list[str]:
        """Every message so far, one entry per line ("READY=1", "WATCHDOG=1", "STATUS=...")."""
        while True:
            try:
                self.messages += self.sock.recv(4096).decode().splitlines()
            except BlockingIOError:  # none waiting
                return self.messages

    def count(self, message: str) -> int:
        return self.received().count(message)


@pytest.fixture
def systemd() -> Iterator[NotifySocket]:
    found = NotifySocket()
    yield found
    found.sock.close()


def test_without_notify_socket_nothing_is_sent_and_without_watchdog_usec_no_watchdog() -> None:
    assert notify("READY=1", {}) is False
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "1"}) is None  # another process's
    assert watchdog_interval({"WATCHDOG_USEC": "60000000"}) == 30.0  # half of WatchdogSec


def test_the_watchdog_is_fed_until_a_problem_and_told_of_the_stop(systemd: NotifySocket) -> None:
    problem: list[str] = []
    environ = {"NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "40000"}  # a ping every 20 ms
    watchdog = Watchdog(lambda: problem[0] if problem else None, environ=environ)
    watchdog.start()
    try:
        assert systemd.received()[:2] == ["READY=1", "STATUS=serving"]
        wait_for(lambda: systemd.count("WATCHDOG=1") >= 3, "the watchdog fed")
        problem.append("the watcher is hung")
        wait_for(lambda: "STATUS=the watcher is hung" in systemd.received(), "the problem told")
        fed = systemd.count("WATCHDOG=1")
        problem.clear()  # fed again once the problem is gone
        wait_for(lambda: systemd.count("WATCHDOG=1") > fed, "the watchdog fed again")
    finally:
        watchdog.stop()
    assert systemd.received()[-1] == "STOPPING=1"


class Stuck(Watcher):
    """A watcher whose round never ends (nothing happens in it), on a clock the test moves."""

    def __init__(self, connector: Connector, now: list[float]) -> None:
        super().__init__(connector, clock=lambda: now[0])
        self.entered = threading.Event()
        self.released = threading.Event()

    def cycle(self, devices: frozenset[str] = frozenset()) -> float:
        self.entered.set()
        self.released.wait(30)
        return 60.0


def test_a_hung_round_is_told_by_readiness_and_starves_the_watchdog(
    settings: Settings, connector: Connector, systemd: NotifySocket
) -> None:
    now = [1000.0]
    stuck = Stuck(connector, now)
    environ = {"NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "40000"}
    watchdog = Watchdog(lambda: service_problem(stuck), environ=environ)
    with served(create_app(settings.replace(watch=True), connector=connector, watcher=stuck)) as base:
        stuck.start()
        watchdog.start()
        try:
            wait_for(stuck.entered.is_set, "the round to start")
            wait_for(lambda: systemd.count("WATCHDOG=1") >= 2, "the watchdog fed while the round is young")
            assert requests.get(base + "/readyz", timeout=10).json()["watch"]["state"] == "watching"
            now[0] += stuck.hung_after + 1
            ready = requests.get(base + "/readyz", timeout=10)
            assert ready.status_code == 503 and ready.json()["watch"]["state"] == "hung"
            assert "has shown no progress for" in ready.json()["reason"]
            wait_for(lambda: any("no progress" in m for m in systemd.received()), "the hang told to systemd")
            fed, looked = systemd.count("WATCHDOG=1"), watchdog.looked
            wait_for(lambda: watchdog.looked >= looked + 3, "the watchdog to look three times more")
            assert systemd.count("WATCHDOG=1") == fed  # starved: systemd restarts the service
        finally:
            stuck.released.set()
            watchdog.stop()
            stuck.stop()


def start_server(code: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, *code], cwd=ROOT, env={**env, "PORT": str(port)}, stderr=log.open("w"), text=True
    )
    return process, f"http://127.0.0.1:{port}"


@pytest.mark.process
def test_server_py_says_ready_feeds_the_watchdog_and_says_stopping(
    settings: Settings, systemd: NotifySocket, tmp_path: Path
) -> None:
    env = environment(
        settings, WATCH="true", RING_PUSH="false", NOTIFY_SOCKET=systemd.address, WATCHDOG_USEC="200000"
    )
    process, base = start_server([str(ROOT / "server.py")], env, tmp_path / "server.log")
    try:
        wait_for(lambda: "READY=1" in systemd.received(), "READY=1")
        assert requests.get(base + "/healthz", timeout=10).status_code == 200  # listening by then
        wait_for(lambda: systemd.count("WATCHDOG=1") >= 2, "the watchdog fed")
        assert any(m.startswith("STATUS=serving; watcher ") for m in systemd.received())
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert systemd.received()[-1] == "STOPPING=1"


# server.py with a bug in the watcher's loop itself, outside any round (a round's failures are
# retried): the watcher cannot go on.
BROKEN_LOOP = """
import sys
from ringConnector.watch.watcher import Watcher
def broken(self, delay):
    raise RuntimeError("a bug outside any round")
Watcher._wait = broken
from ringConnector.cli.server import main
sys.exit(main([]))
"""


@pytest.mark.process
def test_a_watcher_that_cannot_go_on_makes_server_py_exit_1(
    settings: Settings, systemd: NotifySocket, tmp_path: Path
) -> None:
    env = environment(settings, WATCH="true", RING_PUSH="false", NOTIFY_SOCKET=systemd.address)
    log = tmp_path / "server.log"
    process, _ = start_server(["-c", BROKEN_LOOP], env, log)
    try:
        assert process.wait(timeout=60) == 1
    finally:
        if process.poll() is None:
            process.kill()
    lines = log.read_text().splitlines()
    assert lines[-1] == (
        "error: the watcher failed outside a round (RuntimeError: a bug outside any round); exiting, "
        "for the service manager to start it again"
    )
    assert log.read_text().count("Traceback") == 1  # logged once, with its cause
    assert systemd.received()[0] == "READY=1" and systemd.received()[-1] == "STOPPING=1"


def test_the_systemd_unit_waits_for_ready_restarts_on_failure_and_feeds_a_watchdog() -> None:
    lines = (ROOT / "docs" / "ringconnector.service").read_text().splitlines()
    unit = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    assert unit["Type"] == "notify"  # READY=1 once listening
    assert unit["Restart"] == "on-failure"  # exit 1, and a watchdog timeout, are failures
    assert 10 <= int(unit["WatchdogSec"]) <= 600
