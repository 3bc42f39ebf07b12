"""The built-in demo: the Ring emulator seeded with a realistic day, and the real scripts and
server run against it, so the whole flow can be seen without a Ring account."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from ringConnector.config import load_settings
from ringConnector.emulator import (
    DEMO_CODE,
    DEMO_PASSWORD,
    DEMO_USERNAME,
    FRONT_DOOR,
    Emulator,
    Event,
    demo_scenario,
    event_id,
)
from ringConnector.model.days import today

ROOT = Path(__file__).resolve().parents[2]
MARKER = ".ringconnector-demo"
_PROMPTS = ("Ring user (e-mail): ", "Ring password: ", "Enter the 2FA code from your authenticator app: ")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns 0 when every step did what it should."""
    parser = argparse.ArgumentParser(prog="scripts/demo.sh", description=__doc__)
    parser.add_argument(
        "--data", type=Path, default=ROOT / "demo-data", help="where the demo writes (wiped first)"
    )
    args = parser.parse_args(argv)
    zone_name = load_settings().zone.key
    day = today(ZoneInfo(zone_name))
    seeded = datetime.now(UTC).replace(microsecond=0)
    _fresh_folder(args.data)

    # Today's events are fitted into the part of the day gone by: none lies in the future.
    with Emulator(demo_scenario(day, zone_name, now=seeded)) as emulator:
        env = _environment(emulator, args.data, zone_name)
        _step(
            f"Ring emulator serving a day of a house on {emulator.api_url} (storage {emulator.storage_url}),"
            f" today's events up to {seeded:%Y-%m-%dT%H:%M:%SZ}"
        )

        _step("1. ./startCreateAuthFile.py: sign in (the demo account asks for a 2FA code)")
        answers = f"{DEMO_USERNAME}\n{DEMO_PASSWORD}\n{DEMO_CODE}\n"
        print(f"   typing: {DEMO_USERNAME} / (password, hidden) / 2FA code {DEMO_CODE}")
        ok = _run(["startCreateAuthFile.py"], env, stdin=answers) == 0

        _step(f"2. ./startDownload.py: download today ({day}, {zone_name}): dings of both doorbells")
        ok &= _run(["startDownload.py"], env) == 0

        _step("3. ./server.py: the REST API")
        with running_server(env) as base:
            print(f"   serving on {base}")
            ok &= _call(
                "GET", f"{base}/connector/download/today", "already downloaded: nothing new", expect=[]
            )
            fresh = _new_ding(emulator)
            print("   a visitor rings the Front Door ...")
            ok &= _call("GET", f"{base}/connector/download/today", "only the new ding", expect=[fresh])
            ok &= _call("POST", f"{base}/connector/download/20261341", "a bad date is a JSON 400", status=400)

    _step(f"Done. Videos, their stills and event JSON are in {args.data / 'videos'}")
    for path in sorted((args.data / "videos").glob("*.json"))[:3]:
        print(f"   {path.name}")
    print("   ...")
    return 0 if ok else 1


def _fresh_folder(folder: Path) -> None:
    """Empty the demo's folder; refuse one that holds anything the demo did not make."""
    marker = folder / MARKER
    if folder.exists() and any(folder.iterdir()) and not marker.exists():
        raise SystemExit(f"error: {folder} is not empty and not a demo folder; choose another --data")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    marker.write_text("made by scripts/demo.sh; wiped on each run\n")


def _environment(emulator: Emulator, data: Path, zone: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RING_")}
    env.update(
        OAUTH_FILE=str(data / "oauth-authorization.json"),
        DATA_DIR=str(data),
        RING_API_URL=emulator.api_url,
        RING_OAUTH_URL=emulator.oauth_url,
        TIME_ZONE=zone,
        RETRY_INITIAL_DELAY="0.5",
        RETRY_MAX_WAIT="20",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def _step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def _run(script: list[str], env: dict[str, str], stdin: str | None = None) -> int:
    result = subprocess.run(  # noqa: S603 - our own launchers
        [sys.executable, str(ROOT / script[0]), *script[1:]],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        start_new_session=True,  # no terminal: the password prompt reads the typed answers
        check=False,
    )
    output = result.stdout + result.stderr
    for prompt in _PROMPTS:  # the answers were typed by the demo, which said so above
        output = output.replace(prompt, "")
    for line in output.splitlines():
        if line.strip() and "Password input may be echoed" not in line and "getpass" not in line:
            print(f"   {line}")
    print(f"   (exit status {result.returncode})")
    return result.returncode


@contextmanager
def running_server(env: dict[str, str], *, cwd: Path | None = None) -> Iterator[str]:
    """server.py in a subprocess on a free port (run in `cwd`, if given); yields its base URL once
    waitress listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - our own launcher
        [sys.executable, str(ROOT / "server.py")],
        env={**env, "PORT": str(port), "LOG_LEVEL": "INFO"},
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    for line in process.stderr:  # server.py logs "Serving on http://..." once it listens
        seen.append(line)
        if "Serving on" in line:
            break
    else:
        process.wait(timeout=10)
        raise RuntimeError("server.py exited before serving: " + "".join(seen[-5:]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stderr.close()


def _new_ding(emulator: Emulator) -> str:
    moment = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    event = Event(id=event_id(moment, 7), device_id=FRONT_DOOR, created_at=moment, duration=21.0)
    emulator.add_events([event])
    return str(event.id)


def _call(method: str, url: str, what: str, *, expect: list[str] | None = None, status: int = 200) -> bool:
    response = requests.request(method, url, timeout=120)
    body = response.json()
    print(f"   $ curl -X {method} {url}   # {what}")
    print(textwrap.indent(f"HTTP {response.status_code}  {_short(body)}", "     "))
    if response.status_code != status:
        return False
    return expect is None or sorted(e["ringId"] for e in body) == sorted(expect)


def _short(body: object) -> str:
    if isinstance(body, list):
        return f"[{len(body)} event(s)] " + ", ".join(f"{e['eventName']} {e['deviceName']}" for e in body)
    return str(body)


if __name__ == "__main__":
    sys.exit(main())
