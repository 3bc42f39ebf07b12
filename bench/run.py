"""The download benchmark: the article's design, ringConnector (script and HTTP), and curl, side
by side against the emulator with storage that behaves like Ring's. Not part of the tests.

Run: ./scripts/bench.sh [--events 40 --size 8000000 --latency 0.15 --bandwidth 20000000 ...]
(add --update-docs to keep the figures in bench/measured/downloads.json and docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import figures  # noqa: E402

from ringConnector.config import Settings  # noqa: E402
from ringConnector.emulator import DEMO_CODE, DEMO_PASSWORD, DEMO_USERNAME  # noqa: E402
from ringConnector.sources.consumer import auth  # noqa: E402
from ringConnector.storage.tokens import TokenFile  # noqa: E402

PY = sys.executable
DAY = "2026-11-01"  # a past day: every event's recording exists
API_ROUTES = ("session", "devices", "history", "recording", "share_play", "dings_active", "groups", "token")


@dataclass
class Run:
    """One measured contender."""

    name: str
    seconds: float
    peak_rss_mb: float
    bytes: int
    note: str = ""

    @property
    def mb_per_s(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def peak_rss_mb(pid: int) -> float:
    """The process's own peak RSS so far (VmHWM, MB). Not wait4's ru_maxrss: that also counts
    the parent's pages the child held before exec, which would make curl look like Python."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakWatcher(threading.Thread):
    """Samples a process's VmHWM every 5 ms until it exits (the high-water mark only grows)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.005):
            self.peak = max(self.peak, peak_rss_mb(self.pid))


def measured(cmd: Sequence[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a command to the end; its wall seconds, its peak RSS (MB) and its stdout."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = PeakWatcher(process.pid)
    watcher.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    watcher.done.set()
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"{cmd[1]} failed ({process.returncode}):\n{out}\n{err}")
    return elapsed, watcher.peak, out


@contextmanager
def emulator(events: int, size: int, latency: float, bandwidth: float | None) -> Iterator[dict[str, str]]:
    """The emulator in its own process, with one doorbell's day of `events` recordings."""
    cmd = [PY, "-m", "ringConnector.emulator",
           "--api-port", "0", "--storage-port", "0", "--partner-port", "0",
           "--google-port", "0", "--mcs-port", "0",
           "--day", DAY, "--tz", "UTC", "--bulk-events", str(events), "--bulk-size", str(size),
           "--storage-latency", str(latency)]  # fmt: skip
    if bandwidth:
        cmd += ["--storage-bandwidth", str(bandwidth)]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        urls = json.loads(process.stdout.readline())  # type: ignore[union-attr]
        yield urls
    finally:
        process.terminate()
        process.wait(timeout=10)


def counters(api: str) -> dict[str, int]:
    return dict(requests.get(f"{api}/_emulator/counters", timeout=10).json()["requests"])


def reset(api: str) -> None:
    requests.post(f"{api}/_emulator/counters/reset", timeout=10).raise_for_status()


def environment(urls: dict[str, str], work: Path, data: Path, concurrency: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RING_")}
    env.update(
        OAUTH_FILE=str(work / "oauth-authorization.json"),
        DATA_DIR=str(data),
        RING_API_URL=urls["api_url"],
        RING_OAUTH_URL=urls["oauth_url"],
        TIME_ZONE="UTC",
        DOWNLOAD_CONCURRENCY=str(concurrency),
        LOG_LEVEL="WARNING",
        RINGCONNECTOR_NO_VENV="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def sign_in(urls: dict[str, str], work: Path) -> None:
    settings = Settings(
        oauth_file=work / "oauth-authorization.json",
        ring_api_url=urls["api_url"],
        ring_oauth_url=urls["oauth_url"],
    )
    asyncio.run(auth.sign_in(settings, DEMO_USERNAME, DEMO_PASSWORD, lambda _challenge: DEMO_CODE))


def total_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.mp4"))


def run_article(env: dict[str, str], data: Path) -> Run:
    seconds, rss, _ = measured([PY, str(ROOT / "bench" / "article_design.py"), DAY, str(data)], env)
    return Run(
        "(a) the article's design", seconds, rss, total_bytes(data), "sequential, whole body in memory"
    )


def run_script(env: dict[str, str], data: Path, concurrency: int) -> Run:
    seconds, rss, _ = measured([PY, str(ROOT / "startDownload.py"), DAY], env)
    return Run(f"(b) startDownload.py, {concurrency} at once", seconds, rss, total_bytes(data))


def run_http(env: dict[str, str], data: Path, concurrency: int) -> Run:
    """server.py in its own process; the time of the POST, the server's peak RSS."""
    port = free_port()
    server_env = {**env, "PORT": str(port), "LOG_LEVEL": "INFO"}
    process = subprocess.Popen([PY, str(ROOT / "server.py")], env=server_env,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    for line in process.stderr:  # type: ignore[union-attr]
        if "Serving on" in line:
            break
    started = time.perf_counter()
    response = requests.post(
        f"http://127.0.0.1:{port}/connector/download/{DAY.replace('-', '')}", timeout=600
    )
    seconds = time.perf_counter() - started
    response.raise_for_status()
    peak = peak_rss_mb(process.pid)  # still running: its high-water mark is exact
    process.terminate()
    process.wait(timeout=10)
    return Run(f"(b) POST /connector/download, {concurrency} at once", seconds, peak, total_bytes(data))


def run_curl(urls: dict[str, str], env: dict[str, str], work: Path, parallel: int) -> Run:
    """The wire limit: curl fetching the same pre-signed storage URLs, `parallel` at once."""
    store = TokenFile(Path(env["OAUTH_FILE"]))
    # The installation's hardware id: Ring (and the emulator) keep the session under it.
    headers = {"Authorization": f"Bearer {store.load()['access_token']}", "hardware_id": store.hardware_id()}
    api = urls["api_url"]
    device = requests.get(f"{api}/clients_api/ring_devices", headers=headers, timeout=10).json()["doorbots"][
        0
    ]["id"]
    history = requests.get(
        f"{api}/clients_api/doorbots/{device}/history", params={"limit": 100}, headers=headers, timeout=10
    ).json()
    out = work / f"curl-{parallel}"
    out.mkdir()
    cmd = ["curl", "--silent", "--show-error", "--fail", "--parallel", "--parallel-max", str(parallel)]
    for event in history:
        url = requests.get(
            f"{api}/clients_api/dings/{event['id']}/share/play", headers=headers, timeout=10
        ).json()["url"]
        cmd += ["-o", str(out / f"{event['id']}.mp4"), url]
    seconds, rss, _ = measured(cmd, env)
    return Run(
        f"(c) curl, {parallel} at once", seconds, rss, total_bytes(out), "storage only: no Ring API calls"
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench.sh", description=__doc__)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--size", type=int, default=8_000_000, help="bytes per recording")
    parser.add_argument("--latency", type=float, default=0.15, help="storage first-byte latency (s)")
    parser.add_argument("--bandwidth", type=float, default=20e6, help="storage bytes/s per connection")
    parser.add_argument("--concurrency", default="4,8", help="DOWNLOAD_CONCURRENCY values to measure")
    parser.add_argument(
        "--big", type=int, default=1_000_000_000, help="size of the single big recording (0: skip)"
    )
    parser.add_argument(
        "--update-docs", action="store_true", help="keep the figures and write them into docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    levels = [int(n) for n in args.concurrency.split(",")]
    command = "./scripts/bench.sh " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:]) if a != "--update-docs"
    )

    work = Path(tempfile.mkdtemp(prefix="ringconnector-bench-"))
    try:
        with emulator(args.events, args.size, args.latency, args.bandwidth) as urls:
            sign_in(urls, work)
            api = urls["api_url"]
            runs = [run_article(environment(urls, work, work / "a", 1), work / "a")]
            for level in levels:
                script = run_script(
                    environment(urls, work, work / f"b{level}", level), work / f"b{level}", level
                )
                http = run_http(environment(urls, work, work / f"h{level}", level), work / f"h{level}", level)
                curl = run_curl(urls, environment(urls, work, work, level), work, level)
                runs += [script, http, curl]
            reset(api)
            warm_env = environment(urls, work, work / f"b{levels[0]}", levels[0])
            warm_seconds, _, _ = measured([PY, str(ROOT / "startDownload.py"), DAY], warm_env)
            warm = counters(api)
        found: figures.Figures = {
            "setup": {
                "events": args.events,
                "size": args.size,
                "latency": args.latency,
                "bandwidth": args.bandwidth,
                "cores": os.cpu_count(),
                "concurrency": levels,
            },
            "runs": [
                {"name": r.name, "seconds": r.seconds, "bytes": r.bytes, "peak_rss_mb": r.peak_rss_mb}
                | {"note": r.note}
                for r in runs
            ],
            "warm": {
                "seconds": warm_seconds,
                "api_requests": sum(warm.get(route, 0) for route in API_ROUTES),
                "devices": 1,
                "by_route": {route: n for route, n in sorted(warm.items()) if n},
                "storage_requests": warm.get("storage", 0),
            },
            "command": command.strip(),
        }
        if args.big:
            with emulator(1, args.big, 0.0, None) as urls:
                sign_in(urls, work)
                big_a = run_article(environment(urls, work, work / "big-a", 1), work / "big-a")
                big_b = run_script(
                    environment(urls, work, work / "big-b", levels[0]), work / "big-b", levels[0]
                )
            found["big"] = {
                "bytes": args.big,
                "peak_rss_mb": big_b.peak_rss_mb,
                "article_peak_rss_mb": big_a.peak_rss_mb,
                "seconds": big_b.seconds,
                "article_seconds": big_a.seconds,
            }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(figures.render("downloads", found))
    if args.update_docs:
        figures.publish("downloads", found)
    return 0


if __name__ == "__main__":
    sys.exit(main())
