"""What a slow Ring costs server.py's probes: once readiness has been checked, Ring stops answering
(the emulator stalls its device list); when the 30 s check is due, PROBES /readyz come at once,
and a /healthz beside them. Not part of the tests.

Run: .venv-dev/bin/python bench/readyz.py [--probes 40] [--server /path/to/server.py]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ringConnector.emulator import Emulator, Fault, demo_scenario  # noqa: E402
from ringConnector.storage.tokens import TokenFile  # noqa: E402

READY_TTL = 30.0  # connector.READY_TTL: how long a readiness check is kept
HTTP_TIMEOUT = 10  # how long the server waits for Ring


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _timed(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        status = requests.get(url, timeout=60).status_code
    except requests.RequestException:
        status = 0
    return status, time.monotonic() - started


def measure(script: Path, probes: int) -> tuple[list[tuple[int, float]], tuple[int, float]]:
    """The probes' and /healthz's (status, seconds) while Ring stalls."""
    with (
        tempfile.TemporaryDirectory() as folder,
        Emulator(demo_scenario(datetime.now(UTC).date(), "UTC")) as emu,
    ):
        data = Path(folder)
        TokenFile(data / "oauth-authorization.json").save(emu.issue_token())
        port = _free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATA_DIR": str(data / "data"),
            "OAUTH_FILE": str(data / "oauth-authorization.json"),
            "RING_API_URL": emu.api_url,
            "RING_OAUTH_URL": emu.oauth_url,
            "TIME_ZONE": "UTC",
            "HTTP_TIMEOUT": str(HTTP_TIMEOUT),
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "RINGCONNECTOR_NO_VENV": "1",
        }
        base = f"http://127.0.0.1:{port}"
        with (data / "server.log").open("w") as log:
            process = subprocess.Popen([sys.executable, str(script)], env=env, stderr=log, cwd=script.parent)
            try:
                for _ in range(300):
                    try:
                        if requests.get(base + "/readyz", timeout=30).status_code == 200:
                            break
                    except requests.ConnectionError:
                        pass
                    time.sleep(0.1)
                emu.add_fault(Fault("devices", "stall", times=1000))
                time.sleep(READY_TTL + 1)  # the check is due: the next probe asks Ring again
                with ThreadPoolExecutor(probes + 1) as pool:
                    ready = [pool.submit(_timed, base + "/readyz") for _ in range(probes)]
                    time.sleep(0.2)  # the probes hold their threads by now, if they wait
                    health = pool.submit(_timed, base + "/healthz")
                    return [r.result() for r in ready], health.result()
            finally:
                process.terminate()
                process.wait(timeout=30)


def main() -> None:
    """Measure and print one Markdown table row."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--server", type=Path, default=ROOT / "server.py", help="the server.py to measure")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    ready, health = measure(args.server.resolve(), args.probes)
    seconds = sorted(s for _, s in ready)
    statuses = sorted({status for status, _ in ready})
    label = args.label or args.server.resolve().parent.name
    print("| server | probes at once | /readyz median s | worst s | statuses | /healthz beside them, s |")
    print("|---|---:|---:|---:|---|---:|")
    print(
        f"| {label} | {args.probes} | {statistics.median(seconds):.2f} | {seconds[-1]:.2f} | {statuses} "
        f"| {health[1]:.2f} (HTTP {health[0]}) |"
    )


if __name__ == "__main__":
    main()
