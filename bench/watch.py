"""The watch-mode benchmark: how soon a ding reaches the disk and the pipeline, by polling
(consumer API, no push), by push (consumer API) and by webhook (Partner API), against the
emulator with Ring-like preparation times. Not part of the tests.

Run: ./scripts/bench.sh --watch [--dings 10 --poll 10 --prepare 20]   (add --update-docs to keep the
figures in bench/measured/watch.json and docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import figures  # noqa: E402

from ringConnector.emulator import (  # noqa: E402
    FRONT_DOOR,
    Emulator,
    Event,
    PartnerApp,
    Scenario,
    WebhookFaults,
    demo_scenario,
    event_id,
)
from ringConnector.storage.tokens import TokenFile  # noqa: E402


class Receiver(ThreadingHTTPServer):
    """The pipeline: notes when each event's JSON arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}  # each event's first callback
        self.stages: dict[tuple[str, str], float] = {}  # each (event, status)'s first
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        now = time.time()
        self.server.arrived.setdefault(str(body["ringId"]), now)
        self.server.stages.setdefault((str(body["ringId"]), str(body["status"])), now)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Figures:
    """Seconds from "Ring has it" to the file and to the callback, and requests per event."""

    to_file: list[float]
    to_callback: list[float]
    requests_per_event: float


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)  # not in a fresh clone: git ignores it
    with results.joinpath("watch-server.log").open("a") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "server.py")], env={**env, "PORT": str(port)}, stderr=log, text=True
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                requests.get(base + "/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        try:
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _environment(data: Path, receiver: Receiver, poll: float, **extra: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "DATA_DIR": str(data),
        "OAUTH_FILE": str(data / "oauth-authorization.json"),
        "TIME_ZONE": "UTC",
        "WATCH": "true",
        "WATCH_POLL_INTERVAL": str(poll),
        "RING_PUSH": "false",  # polling and webhooks alone (never Google's real hosts)
        "CALLBACK_URL": f"http://127.0.0.1:{receiver.server_address[1]}/events",
        "RETRY_INITIAL_DELAY": "1",
        "LOG_LEVEL": "INFO",  # into bench/results/watch-server.log
        **extra,
    }


def _wait_for(seen: dict[str, float], ids: set[str], deadline: float) -> None:
    while not ids <= set(seen) and time.time() < deadline:
        time.sleep(0.05)


def _on_disk(data: Path, seen: dict[str, float], stop: threading.Event) -> None:
    """Note when each event JSON appears (a file watcher at 20 Hz)."""
    while not stop.is_set():
        for path in (data / "videos").glob("*.json"):
            seen.setdefault(path.stem.split("-", 2)[2], time.time())
        time.sleep(0.05)


@contextmanager
def _house() -> Iterator[tuple[Emulator, Path, Receiver]]:
    """The demo house on the emulator, a DATA_DIR and the pipeline's receiver."""
    day = datetime.now(UTC).date()
    with (
        tempfile.TemporaryDirectory() as folder,
        Emulator(demo_scenario(day, "UTC", now=datetime.now(UTC))) as emu,
    ):
        receiver = Receiver()
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        try:
            yield emu, Path(folder), receiver
        finally:
            receiver.shutdown()


def _measure(
    emu: Emulator,
    data: Path,
    receiver: Receiver,
    ring: Callable[[int], tuple[str, float]],
    *,
    dings: int,
    every: float,
    wait: float,
) -> Figures:
    """Ring `dings` times, `every` s apart (`ring(n)` gives the event's id and the moment counted
    from), and measure to the file and to the callback, and Ring requests per ding."""
    emu.reset_counters()
    start: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()
    threading.Thread(target=_on_disk, args=(data, seen, stop), daemon=True).start()
    for n in range(dings):
        ring_id, moment = ring(n)
        start[ring_id] = moment
        time.sleep(every)
    ids = set(start)
    _wait_for(receiver.arrived, ids, time.time() + wait)
    stop.set()
    return Figures(
        [seen[i] - start[i] for i in ids if i in seen],
        [receiver.arrived[i] - start[i] for i in ids if i in receiver.arrived],
        sum(emu.counters().values()) / dings,
    )


def by_polling(dings: int, poll: float, prepare: float) -> Figures:
    """Consumer API, no push: each ding's recording is ready `prepare` s after it; found by polling."""
    with _house() as (emu, data, receiver):
        TokenFile(data / "oauth-authorization.json").save(emu.issue_token())
        env = _environment(data, receiver, poll, RING_API_URL=emu.api_url, RING_OAUTH_URL=emu.oauth_url)

        def ring(n: int) -> tuple[str, float]:
            moment = datetime.now(UTC).replace(microsecond=0)
            # Ring has it `prepare` s from now, on the emulator's clock (seconds since it started).
            ready_after = time.monotonic() - emu.state.started_at + prepare
            event = Event(
                event_id(moment, 100 + n), FRONT_DOOR, moment, duration=15.0, ready_after_seconds=ready_after
            )
            emu.add_events([event])
            return str(event.id), time.time() + prepare

        with _server(env):
            time.sleep(poll + 2)  # the day so far is downloaded
            return _measure(
                emu, data, receiver, ring, dings=dings, every=poll / 3, wait=prepare + 10 * poll + 120
            )


def push_environment(emu: Emulator, data: Path, receiver: Receiver, **extra: str) -> dict[str, str]:
    """A signed-in consumer account with push: the emulator's Google side over TLS, its test CA
    as SSL_CERT_FILE; polling every 60 s."""
    TokenFile(data / "oauth-authorization.json").save(emu.issue_token())
    return _environment(
        data,
        receiver,
        60.0,
        RING_API_URL=emu.api_url,
        RING_OAUTH_URL=emu.oauth_url,
        RING_PUSH="true",
        RING_PUSH_GOOGLE_URL=emu.google_url,
        RING_PUSH_MCS=emu.mcs_address,
        SSL_CERT_FILE=str(emu.push_ca_file),
        **extra,
    )


def partner_environment(
    emu: Emulator, data: Path, receiver: Receiver, poll: float, **extra: str
) -> dict[str, str]:
    """A linked Partner API app, its webhooks signed with the app's key."""
    TokenFile(data / "partner-token.json").save(emu.issue_partner_token())
    app = PartnerApp()
    return _environment(
        data,
        receiver,
        poll,
        RING_SOURCE="partner",
        RING_PARTNER_API_URL=emu.partner_url,
        RING_PARTNER_TOKEN_URL=emu.oauth_url,
        RING_PARTNER_TOKEN_FILE=str(data / "partner-token.json"),
        RING_PARTNER_CLIENT_ID=app.client_id,
        RING_PARTNER_CLIENT_SECRET=app.client_secret,
        RING_PARTNER_WEBHOOK_KEY=app.hmac_key,
        **extra,
    )


def wait_for_push(base: str) -> None:
    """Until the server says push is connected (a minute at most), then 3 s more: the day so far
    is downloaded."""
    deadline = time.time() + 60
    while time.time() < deadline:
        push = requests.get(base + "/connector/watch", timeout=5).json().get("push") or {}
        if push.get("state") == "connected":
            break
        time.sleep(0.2)
    time.sleep(3)


def by_push(dings: int, prepare: float) -> Figures:
    """Consumer API with push: each ding is pushed at once, its recording ready `prepare` s later."""
    with _house() as (emu, data, receiver):
        env = push_environment(emu, data, receiver)

        def ring(n: int) -> tuple[str, float]:
            event = emu.ring_now(FRONT_DOOR, ready_after=prepare, duration=15.0, seq=300 + n)
            return str(event.id), time.time() + prepare

        with _server(env) as base:
            wait_for_push(base)
            return _measure(emu, data, receiver, ring, dings=dings, every=3.0, wait=prepare + 120)


def by_webhook(dings: int, poll: float) -> Figures:
    """Partner API: each ding is announced by a signed webhook once it has ended (its clip exists)."""
    with _house() as (emu, data, receiver):
        env = partner_environment(emu, data, receiver, poll)

        def ring(n: int) -> tuple[str, float]:
            moment = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=16)
            event = Event(event_id(moment, 200 + n), FRONT_DOOR, moment, duration=15.0)
            emu.add_events([event])  # its webhook goes out at once
            return f"ava1.ring.history.event.{event.id}", time.time()

        with _server(env) as base:
            time.sleep(3)
            emu.register_webhook(base + "/connector/webhooks/ring", WebhookFaults(duplicate=dings // 5))
            return _measure(emu, data, receiver, ring, dings=dings, every=3.0, wait=3 * poll + 60)


def _today() -> Scenario:
    """The demo house, with today's events so far."""
    now = datetime.now(UTC)
    return demo_scenario(now.date(), "UTC", now=now)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _row(way: str, found: Figures) -> dict[str, object]:
    row: dict[str, object] = {
        "way": way,
        "requests_per_ding": found.requests_per_event,
        "called_back": len(found.to_callback),
    }
    if found.to_callback:
        row.update(
            to_file_median=statistics.median(found.to_file),
            to_file_p95=_p95(found.to_file),
            to_callback_median=statistics.median(found.to_callback),
            to_callback_p95=_p95(found.to_callback),
        )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dings", type=int, default=10)
    parser.add_argument("--poll", type=float, default=10.0, help="WATCH_POLL_INTERVAL for the polling run")
    parser.add_argument(
        "--prepare", type=float, default=20.0, help="seconds Ring takes to prepare a recording"
    )
    parser.add_argument("--update-docs", action="store_true")
    args = parser.parse_args()
    polled = by_polling(args.dings, args.poll, args.prepare)
    pushed = by_push(args.dings, args.prepare)
    hooked = by_webhook(args.dings, 60.0)
    command = " ".join(["./scripts/bench.sh --watch", *(a for a in sys.argv[1:] if a != "--update-docs")])
    found: figures.Figures = {
        "setup": {"dings": args.dings, "poll": args.poll, "prepare": args.prepare, "cores": os.cpu_count()},
        "rows": [
            _row("polling", polled),
            _row("push", pushed),
            _row("webhook", hooked),
        ],
        "command": command,
    }
    print(figures.render("watch", found))
    if args.update_docs:
        figures.publish("watch", found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
