"""What trickling clients cost server.py: CONNECTIONS connections that each send one byte every
INTERVAL seconds and never finish a request, while another client asks GET /healthz twice a
second and times each answer. Not part of the tests.

Run: .venv-dev/bin/python bench/trickle.py [--connections 1000 --interval 20 --duration 90]
     [--server /path/to/server.py]   (another checkout's server.py, to compare before and after)
"""

from __future__ import annotations

import argparse
import heapq
import os
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A request line and a header that never end: the server waits for the rest forever.
TRICKLE = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Trickle: " + b"a" * 100_000
PROBE_EVERY = 0.5
PROBE_TIMEOUT = 10.0


@dataclass
class Figures:
    """What the probes saw, what became of the trickling connections, what the server used."""

    latencies: list[float] = field(default_factory=list)  # seconds, answered probes
    failed: int = 0  # probes refused, reset or unanswered within PROBE_TIMEOUT
    opened: int = 0
    dropped: list[float] = field(default_factory=list)  # seconds each lived before the server closed it
    peak_rss_mb: float = 0.0
    peak_threads: int = 0
    peak_fds: int = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(script: Path, folder: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """server.py on a free port, no Ring token (probes need none), logging to a file."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "DATA_DIR": str(folder / "data"),
        "OAUTH_FILE": str(folder / "oauth-authorization.json"),
        "TIME_ZONE": "UTC",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "RINGCONNECTOR_NO_VENV": "1",  # this interpreter, whichever checkout's server.py it runs
    }
    with (folder / "server.log").open("w") as log:
        process = subprocess.Popen([sys.executable, str(script)], env=env, stderr=log, cwd=script.parent)
        try:
            deadline = time.monotonic() + 30
            while _probe(port) is None:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        "server.py did not start: " + (folder / "server.log").read_text()[-2000:]
                    )
                time.sleep(0.1)
            yield process, port
        finally:
            process.terminate()
            process.wait(timeout=30)


def _probe(port: int) -> float | None:
    """One GET /healthz on a new connection: its seconds, or None if it failed."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=PROBE_TIMEOUT) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = connection.recv(64)
    except OSError:
        return None
    return time.monotonic() - started if answer.startswith(b"HTTP/1.1 200") else None


def _usage(pid: int, figures: Figures) -> None:
    """The server's resident memory, threads and open files, as /proc tells them."""
    try:
        status = Path(f"/proc/{pid}/status").read_text().splitlines()
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return
    values = {line.split(":")[0]: line.split(":")[1].split() for line in status if ":" in line}
    figures.peak_rss_mb = max(figures.peak_rss_mb, int(values["VmRSS"][0]) / 1024)
    figures.peak_threads = max(figures.peak_threads, int(values["Threads"][0]))
    figures.peak_fds = max(figures.peak_fds, fds)


def _trickle(port: int, connections: int, interval: float, until: float, figures: Figures) -> None:
    """Open the connections, then send each its next byte every `interval` s (spread evenly), and
    note when the server closes one."""
    chooser = selectors.DefaultSelector()
    due: list[tuple[float, int]] = []
    sent: dict[int, int] = {}
    opened_at: dict[int, float] = {}
    sockets: dict[int, socket.socket] = {}
    for n in range(connections):
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            continue  # refused or not accepted in time: it costs the server nothing
        connection.setblocking(False)
        key = connection.fileno()
        sockets[key], sent[key], opened_at[key] = connection, 0, time.monotonic()
        chooser.register(connection, selectors.EVENT_READ)
        heapq.heappush(due, (time.monotonic() + interval * n / connections, key))
    figures.opened = len(sockets)
    while time.monotonic() < until and sockets:
        wait = max(0.0, min(due[0][0] if due else until, until) - time.monotonic())
        for ready, _ in chooser.select(timeout=min(wait, 0.5)):
            key = ready.fd
            try:
                data = sockets[key].recv(4096)
            except OSError:
                data = b""
            if not data:  # closed (or answered and closed) by the server
                figures.dropped.append(time.monotonic() - opened_at[key])
                chooser.unregister(sockets[key])
                sockets.pop(key).close()
        while due and due[0][0] <= time.monotonic():
            _, key = heapq.heappop(due)
            if key not in sockets:
                continue
            try:
                sockets[key].send(TRICKLE[sent[key] : sent[key] + 1])
                sent[key] += 1
            except OSError:
                pass  # noticed as a close by select
            heapq.heappush(due, (time.monotonic() + interval, key))
    for connection in sockets.values():
        connection.close()


def measure(script: Path, connections: int, interval: float, duration: float) -> Figures:
    """Trickle for `duration` s against `script`'s server, probing /healthz meanwhile."""
    figures = Figures()
    with tempfile.TemporaryDirectory() as folder, _server(script, Path(folder)) as (process, port):
        until = time.monotonic() + duration
        trickler = threading.Thread(target=_trickle, args=(port, connections, interval, until, figures))
        trickler.start()
        while time.monotonic() < until:
            started = time.monotonic()
            answer = _probe(port)
            if answer is None:
                figures.failed += 1
            else:
                figures.latencies.append(answer)
            _usage(process.pid, figures)
            time.sleep(max(0.0, PROBE_EVERY - (time.monotonic() - started)))
        trickler.join()
    return figures


def report(label: str, figures: Figures) -> str:
    """One row of the figures as Markdown."""
    ok = sorted(figures.latencies)
    asked = len(ok) + figures.failed
    within = sum(1 for seconds in ok if seconds <= 1.0)
    median = statistics.median(ok) if ok else float("nan")
    worst = ok[-1] if ok else float("nan")
    lived = statistics.median(figures.dropped) if figures.dropped else float("nan")
    return (
        f"| {label} | {figures.opened} | {within}/{asked} | {median:.3f} | {worst:.2f} | {figures.failed} "
        f"| {len(figures.dropped)} | {lived:.1f} | {figures.peak_rss_mb:.0f} | {figures.peak_threads} "
        f"| {figures.peak_fds} |"
    )


HEADER = (
    "| server | trickling connections opened | /healthz within 1 s | median s | worst s | probes failed "
    "| trickling dropped by the server | their median life s | peak RSS MB | threads | open files |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    """Measure and print one Markdown table row."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument(
        "--interval", type=float, default=20.0, help="seconds between two bytes of one connection"
    )
    parser.add_argument("--duration", type=float, default=90.0)
    parser.add_argument("--server", type=Path, default=ROOT / "server.py", help="the server.py to measure")
    parser.add_argument("--label", default="", help="the table row's name (default: the server's folder)")
    args = parser.parse_args()
    figures = measure(args.server.resolve(), args.connections, args.interval, args.duration)
    print(
        f"{args.connections} connections, one byte every {args.interval:g} s each, for {args.duration:g} s; "
        f"GET /healthz every {PROBE_EVERY} s on a new connection ({PROBE_TIMEOUT:g} s time-out); "
        f"{os.cpu_count()} cores.\n"
    )
    print(HEADER)
    print(report(args.label or args.server.resolve().parent.name, figures))


if __name__ == "__main__":
    main()
