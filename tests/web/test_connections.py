"""Slow clients cost nothing but their own connection: a request must arrive whole within a
deadline (408 otherwise), a new client takes the place of the one waiting longest at the
connection limit, and waitress's own refusals are JSON like the API's. Raw sockets, as a slow or
broken client sends."""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from ringConnector.config import Settings
from ringConnector.web.app import MAX_BODY_BYTES
from tests.support import ROOT, environment, served, wait_for

PARTIAL = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "  # never finished


def address(base: str) -> tuple[str, int]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


def answer(connection: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The response on `connection`, read until the server closes it: status, headers, body."""
    raw = b""
    while chunk := connection.recv(65536):
        raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def sent(base: str, data: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(address(base), timeout=30) as connection:
        connection.sendall(data)
        return answer(connection)


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        (b"NOT HTTP AT ALL\r\n\r\n", 400, "bad_request"),
        # Headers of waitress's limit exactly (256 KiB), never ended: it reads them all, then refuses.
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ".ljust(256 * 1024, b"a"),
            431,
            "request_header_fields_too_large",
        ),
        (
            b"POST /connector/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode(),
            413,
            "request_entity_too_large",
        ),
        (
            b"POST /connector/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "not_implemented",
        ),
    ],
)
def test_waitresss_own_refusals_are_json_with_the_security_headers(
    app: Flask, data: bytes, status: int, error: str
) -> None:
    with served(app) as base:
        code, headers, body = sent(base, data)
    assert code == status and headers["content-type"] == "application/json"
    found = json.loads(body)
    assert set(found) == {"error", "message"} and found["error"] == error
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("trickling", [False, True], ids=["stalled", "trickling"])
def test_a_request_not_whole_within_the_deadline_is_a_json_408(app: Flask, trickling: bool) -> None:
    """Counted from its first byte, however often more bytes come (waitress dropped only
    connections silent for 30 s, so a byte every 20 s held one for ever)."""
    with (
        served(app, request_deadline=0.5) as base,
        socket.create_connection(address(base), timeout=30) as slow,
    ):
        slow.sendall(PARTIAL)
        if trickling:
            slow.settimeout(0.1)
            while True:  # a byte every 0.1 s until the server answers
                try:
                    first = slow.recv(65536)
                    break
                except TimeoutError:
                    slow.sendall(b"a")
            slow.settimeout(30)
            rest = b""
            while chunk := slow.recv(65536):
                rest += chunk
            raw = first + rest
            code = int(raw.split(b" ", 2)[1])
            body = raw.partition(b"\r\n\r\n")[2]
        else:
            code, _, body = answer(slow)
    assert code == 408
    assert json.loads(body)["error"] == "request_timeout"


@contextmanager
def trickling(base: str, count: int) -> Iterator[list[socket.socket]]:
    """`count` connections, each having sent the start of a request it never finishes."""
    with ExitStack() as stack:
        connections = []
        for _ in range(count):
            connection = stack.enter_context(socket.create_connection(address(base), timeout=30))
            connection.sendall(PARTIAL)
            connections.append(connection)
        yield connections


def closed(connection: socket.socket) -> bool:
    connection.setblocking(False)
    try:
        return connection.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True
    finally:
        connection.setblocking(True)


def test_at_the_connection_limit_a_new_client_takes_the_place_of_the_longest_waiting(app: Flask) -> None:
    with served(app, connection_limit=20) as base, trickling(base, 40) as slow:
        for _ in range(5):
            started = time.monotonic()
            assert requests.get(base + "/healthz", timeout=10).status_code == 200
            assert time.monotonic() - started < 1.0
        assert not closed(slow[-1])  # the newest trickling client is still connected
        assert closed(slow[0])  # the oldest made room


def _like_systemd() -> None:
    """A systemd service's soft limit of open files (systemd's default LimitNOFILE=1024:524288)."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))


@pytest.mark.process
def test_a_thousand_trickling_clients_leave_healthz_answering_within_a_second(
    settings: Settings, tmp_path: Path
) -> None:
    """The issue's numbers against server.py itself (before: /healthz unanswered for a minute)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path / "server.log"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "server.py")],
        env={**environment(settings), "PORT": str(port)},
        stderr=log.open("w"),
        preexec_fn=_like_systemd,  # only sets a limit before exec
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "Serving on" in log.read_text(), "server.py to serve")
        with trickling(base, 1000) as slow:
            for connection in slow[::10]:
                connection.sendall(b"a")  # trickling: each keeps sending now and then
            seconds: list[float] = []
            for _ in range(5):
                started = time.monotonic()
                answered: Any = requests.get(base + "/healthz", timeout=10)
                seconds.append(time.monotonic() - started)
                assert answered.status_code == 200
            assert max(seconds) < 1.0, seconds
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text()
    assert "Too many open files" not in text and "Traceback" not in text
