"""Test data shared by the connector's tests: a small day far from UTC, and a fake sleep."""

from __future__ import annotations

import asyncio
import ctypes
import errno
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from time import monotonic
from time import sleep as pause
from typing import Any
from zoneinfo import ZoneInfo

import av
import av.logging
import pytest
from flask import Flask

from ringConnector.config import Settings
from ringConnector.emulator import Account, Device, Emulator, Event, Scenario, event_id
from ringConnector.emulator.http.media import asset_bytes
from ringConnector.storage.tokens import TokenFile
from ringConnector.web.serving import listen

ROOT = Path(__file__).resolve().parent.parent

# UTC+14: a local day runs from 10:00 UTC the day before to 10:00 UTC, so a UTC "day" would
# get most events wrong.
ZONE = "Pacific/Kiritimati"
DAY = date(2026, 11, 22)
NOW = datetime.combine(DAY, time(13, 0), ZoneInfo(ZONE)).astimezone(UTC)
FRONT, BACK, GARAGE, CHIME, UNSUBSCRIBED = 1001, 1002, 1003, 1004, 1005
ACCOUNT = Account(username="user@example.com", password="correct horse", two_factor_code="123456")


def at(day: date, clock: str, *, seq: int = 0) -> tuple[datetime, int]:
    """A local time on `day` in ZONE as (UTC datetime, Ring-like event id)."""
    moment = datetime.combine(day, time.fromisoformat(clock), ZoneInfo(ZONE)).astimezone(UTC)
    return moment, event_id(moment, seq)


def make_event(device: int, day: date, clock: str, *, seq: int = 0, **fields: object) -> Event:
    """An emulator event at a local time."""
    moment, ring_id = at(day, clock, seq=seq)
    return Event(id=ring_id, device_id=device, created_at=moment, **fields)  # type: ignore[arg-type]


def devices() -> list[Device]:
    """A doorbell, a shared doorbell, a stick-up cam, a chime and an unsubscribed doorbell."""
    return [
        Device(FRONT, "Front Door", "lpd_v2", "doorbots", time_zone=ZONE),
        Device(BACK, "Back Door", "doorbell_v3", "authorized_doorbots", time_zone=ZONE),
        Device(GARAGE, "Garage", "cocoa_camera", "stickup_cams", time_zone=ZONE),
        Device(CHIME, "Hall Chime", "chime", "chimes", time_zone=ZONE),
        Device(UNSUBSCRIBED, "Shed", "lpd_v2", "doorbots", time_zone=ZONE, show_recordings=False),
    ]


class SmallDay:
    """The events of the small day, by role, for assertions."""

    before = make_event(FRONT, DAY - timedelta(days=1), "23:59:58")
    first = make_event(FRONT, DAY, "00:00:05", size=60_000)
    answered = make_event(FRONT, DAY, "08:15:00", answered=True, duration=12.0)
    motion = make_event(FRONT, DAY, "09:00:00", kind="motion")
    garage_motion = make_event(GARAGE, DAY, "10:00:00", kind="motion")
    shared_no_duration = make_event(BACK, DAY, "12:30:00", duration=None)
    same_second = make_event(FRONT, DAY, "12:30:00", seq=1)
    processing = make_event(FRONT, DAY, "18:00:00", recording_status="processing")
    shed = make_event(UNSUBSCRIBED, DAY, "19:00:00")
    last = make_event(FRONT, DAY, "23:59:59")
    after = make_event(FRONT, DAY + timedelta(days=1), "00:00:01")

    @classmethod
    def events(cls) -> list[Event]:
        """Every event of the scenario."""
        return [value for name, value in vars(cls).items() if isinstance(value, Event)]

    @classmethod
    def expected_bytes(cls) -> int:
        """The bytes of the recordings a default run downloads."""
        return sum(e.size for e in cls.events() if str(e.id) in cls.expected_dings())

    @classmethod
    def expected_dings(cls) -> set[str]:
        """Ring ids a default run (doorbells, dings) downloads."""
        return {
            str(e.id) for e in (cls.first, cls.answered, cls.shared_no_duration, cls.same_second, cls.last)
        }


def small_day() -> Scenario:
    """The small day: boundaries, kinds, a shared doorbell, same-second events, not-ready ones."""
    return Scenario(account=ACCOUNT, devices=devices(), events=SmallDay.events())


def sha256(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    """Temporary files left in a folder (there must never be any after a call returns)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".part-")) if folder.is_dir() else []


class Clock:
    """A settable "now" for the Connector."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class FakeSleep:
    """Stands in for asyncio.sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.waits.append(delay)
        await asyncio.sleep(0)


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """Every setting explicitly, so a developer's own .env cannot leak into the test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RING_", "OAUTHLIB"))}
    env.update(
        OAUTH_FILE=str(settings.oauth_file),
        DATA_DIR=str(settings.data_dir),
        RING_API_URL=settings.ring_api_url,
        RING_OAUTH_URL=settings.ring_oauth_url,
        TIME_ZONE=settings.time_zone,
        RING_DEVICE_TYPES=",".join(settings.device_types),
        RING_EVENT_KINDS=",".join(settings.event_kinds),
        RING_PUSH="true" if settings.push else "false",
        RING_PUSH_GOOGLE_URL=settings.push_google_url,
        RING_PUSH_MCS=settings.push_mcs,
        DOWNLOAD_CONCURRENCY="4",
        RETRY_MAX_WAIT="0.5",
        RETRY_INITIAL_DELAY="0.01",
        RETRY_MAX_DELAY="0.05",
        HTTP_TIMEOUT="5",
        HOST="127.0.0.1",
        PORT="5000",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def run(
    script: str, *args: str, env: dict[str, str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """One of the project's scripts (in `cwd`, if given), its output captured."""
    return subprocess.run(
        [sys.executable, str(ROOT / script), *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,  # no controlling terminal: getpass reads stdin like a pipe
        check=False,
    )


# A final name in DATA_DIR/videos: "<YYYYmmdd-HHMMSS>-<ringId>.mp4", ".json" or ".jpg" (its still).
FINAL = re.compile(r"^\d{8}-\d{6}-(?P<ring_id>\d+)\.(?P<ext>mp4|json|jpg)$")


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 30.0) -> None:
    """Poll `condition` until it holds (a condition wait, not a fixed sleep); fail after `deadline` s."""
    give_up = monotonic() + deadline
    while not condition():
        if monotonic() > give_up:
            pytest.fail(f"timed out after {deadline:.0f} s waiting for {what}")
        pause(0.02)


async def until(condition: Callable[[], bool], what: str, deadline: float = 30.0) -> None:
    """wait_for inside an event loop: the loop runs on while `condition` is polled."""
    give_up = monotonic() + deadline
    while not condition():
        if monotonic() > give_up:
            pytest.fail(f"timed out after {deadline:.0f} s waiting for {what}")
        await asyncio.sleep(0.01)


def decoded(body: bytes) -> dict[str, object]:
    """What PyAV (FFmpeg's decoders) reads in an MP4: streams, codecs, frames, duration, and
    every message FFmpeg logged at error level or worse while decoding."""
    with av.logging.Capture() as logs, av.open(io.BytesIO(body), mode="r") as container:
        streams = [(s.type, s.codec_context.name, s.frames) for s in container.streams]
        video = container.streams.video[0]
        size = (video.width, video.height)
        duration = (container.duration or 0) / 1_000_000
        frames = len(list(container.decode(video=0)))
    with av.logging.Capture() as more_logs, av.open(io.BytesIO(body), mode="r") as container:
        audio = len(list(container.decode(audio=0)))
    errors = [text for level, _, text in [*logs, *more_logs] if level <= av.logging.ERROR]
    return {
        "streams": streams,
        "size": size,
        "duration": duration,
        "video": frames,
        "audio": audio,
        "errors": errors,
    }


def signed_in(folder: Path, emulator: Emulator, **overrides: Any) -> Settings:
    """Settings aimed at `emulator` (files under `folder`, days in ZONE), with a token it issued
    saved; `overrides` change any setting."""
    settings = Settings(
        oauth_file=folder / "oauth-authorization.json",
        data_dir=folder / "data",
        ring_api_url=emulator.api_url,
        ring_oauth_url=emulator.oauth_url,
        push_google_url=emulator.google_url,
        push_mcs=emulator.mcs_address,
        time_zone=ZONE,
        http_timeout=5,
    ).replace(**overrides)
    TokenFile(settings.oauth_file).save(emulator.issue_token())
    return settings


class Loopback:
    """A plain HTTP server on loopback that records each request and answers from a script
    (status, headers, body); once the script is used up it answers 204. Close it after use."""

    def __init__(self, answers: list[tuple[int, dict[str, str], bytes]] | None = None) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []  # method, path, headers, body
        self.answers = list(answers or [])
        loopback = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                loopback.requests.append((self.command, self.path, dict(self.headers.items()), body))
                status, headers, content = loopback.answers.pop(0) if loopback.answers else (204, {}, b"")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's names

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        """Stop serving and close the port."""
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def served(app: Flask, **limits: Any) -> Iterator[str]:
    """The app behind the server server.py runs (waitress with web/connections.py's bounds) on a
    free loopback port, in threads of this process: real HTTP over a socket (headers encoded as
    a client sees them) with the test's Connector; yields its base URL. `limits` change
    serving.listen's (8 threads here)."""
    channels: dict[int, Any] = {}  # waitress's socket map: closing it all ends its loop
    settings: Settings = app.extensions["ringConnector.settings"]
    options: dict[str, Any] = {"threads": 8, **limits}
    server: Any = listen(app, settings.replace(host="127.0.0.1"), port=0, channels=channels, **options)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:

        def close_all() -> None:  # in waitress's own thread: the loop ends once nothing is open
            for channel in list(channels.values()):
                channel.close()

        server.trigger.pull_trigger(close_all)
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()


class Receiver(ThreadingHTTPServer):
    """The pipeline's CALLBACK_URL: keeps each body it is given, in order."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Keep)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/ring-events"

    def of(self, ring_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [body for body in self.bodies if body["ringId"] == ring_id]


class _Keep(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.bodies.append(body)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _luma(frame: av.VideoFrame) -> bytes:
    gray = frame.reformat(width=80, height=60, format="gray")
    return bytes(gray.planes[0])[: 80 * 60]


def closest_second(jpeg: bytes) -> float:
    """Which whole second of the emulator's shipped clip a still shows (the frame it is nearest
    to, pixel by pixel): tells a frame of the video (0 s: the event's moment) from Ring's
    picture (the emulator's, STILL_FRAME_SECONDS in)."""
    with av.open(io.BytesIO(jpeg), mode="r") as still:
        seen = _luma(next(still.decode(video=0)))
    with av.open(io.BytesIO(asset_bytes()), mode="r") as clip:
        frames = {
            float(f.time or 0): _luma(f) for f in clip.decode(video=0) if float(f.time or 0).is_integer()
        }
    return min(frames, key=lambda t: sum(abs(a - b) for a, b in zip(seen, frames[t], strict=True)))


MNT_DETACH = 2


@contextmanager
def small_disk(mount_point: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` ("8m") mounted on `mount_point` while in use, to fill up for real (needs
    root or CAP_SYS_ADMIN; the test is skipped without)."""
    mount_point.mkdir(parents=True, exist_ok=True)
    libc = ctypes.CDLL(None, use_errno=True)
    target = os.fsencode(mount_point)
    if libc.mount(b"tmpfs", target, b"tmpfs", 0, f"size={size}".encode()) != 0:
        code = ctypes.get_errno()
        if code == errno.EPERM:
            pytest.skip("mounting a small tmpfs to fill up needs root (or CAP_SYS_ADMIN): EPERM")
        raise OSError(code, f"mount tmpfs on {mount_point}: {os.strerror(code)}")
    try:
        yield mount_point
    finally:
        if libc.umount2(target, MNT_DETACH) != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"umount {mount_point}: {os.strerror(code)}")
