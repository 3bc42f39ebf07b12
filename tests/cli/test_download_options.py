"""startDownload.py's options: ranges, kinds, devices, JSON, dry runs, and the progress bar."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from ringConnector.cli.progress import Bar, PlainLines, progress_for
from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator
from ringConnector.logs import configure_logging
from ringConnector.model.events import Device, RingEvent
from tests.support import DAY, NOW, SmallDay, environment, run

DINGS = SmallDay.expected_dings()


@pytest.mark.process
def test_a_dry_run_lists_and_downloads_nothing(settings: Settings, emulator: Emulator) -> None:
    result = run("startDownload.py", "2026-11-22", "--dry-run", env=environment(settings))
    assert result.returncode == 0, result.stderr
    listed = {line.split()[2] for line in result.stdout.splitlines() if line.startswith("would download")}
    assert listed == DINGS
    assert "20261122: 5 to download" in result.stdout
    assert emulator.count("storage") == 0 and emulator.count("share_play") == 0
    assert not settings.videos_dir.exists() or not list(settings.videos_dir.glob("*.mp4"))


@pytest.mark.process
def test_json_output_is_only_the_events(settings: Settings) -> None:
    result = run("startDownload.py", "2026-11-22", "--json", env=environment(settings))
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    assert {e["ringId"] for e in events} == DINGS


@pytest.mark.process
def test_a_range_of_days(settings: Settings) -> None:
    result = run(
        "startDownload.py", "--from", "2026-11-21", "--to", "2026-11-22", "--json", env=environment(settings)
    )
    assert result.returncode == 0, result.stderr
    assert {e["ringId"] for e in json.loads(result.stdout)} == DINGS | {str(SmallDay.before.id)}


@pytest.mark.process
def test_kind_and_device_narrow_the_download(settings: Settings) -> None:
    env = environment(settings)
    motions = run("startDownload.py", "2026-11-22", "--kind", "motion", "--json", env=env)
    assert [e["ringId"] for e in json.loads(motions.stdout)] == [str(SmallDay.motion.id)]
    back = run("startDownload.py", "2026-11-22", "--device", "Back Door", "--json", env=env)
    assert [e["ringId"] for e in json.loads(back.stdout)] == [str(SmallDay.shared_no_duration.id)]


@pytest.mark.process
@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("--to", "2026-11-22"), 2),
        (("--from", "2026-11-22", "--to", "2026-11-21"), 2),
        (("2026-11-22", "--from", "2026-11-21"), 2),
        (("--from", "2025-01-01", "--to", "2026-11-22"), 2),
        (("--kind", "doorbell"), 1),
    ],
)
def test_bad_options_are_one_line(settings: Settings, args: tuple[str, ...], status: int) -> None:
    result = run("startDownload.py", *args, env=environment(settings))
    assert result.returncode == status
    assert len(result.stderr.strip().splitlines()) <= 3 and "Traceback" not in result.stderr
    assert "error" in result.stderr.strip().splitlines()[-1]


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_and_lines_when_piped(connector: Connector) -> None:
    assert isinstance(progress_for(io.StringIO(), io.StringIO()), PlainLines)
    out, screen = io.StringIO(), FakeTerminal()
    bar = progress_for(out, screen)
    assert isinstance(bar, Bar)
    report = connector.download_day(DAY, progress=bar)
    assert bar.bar is not None and (bar.bar.n, bar.bar.total) == (5, 5)  # events done of planned
    assert str(bar.bar.postfix).endswith(" MB")  # the bytes so far, shown beside the count
    bar.close()
    assert len(report.downloaded) == 5
    assert out.getvalue().count("downloaded ") == 5  # a line per event, above the bar
    drawn = screen.getvalue()
    assert "0/5 " in drawn and "event/s" in drawn  # drawn on the terminal (redraws are throttled)
    assert bar.bytes == SmallDay.expected_bytes()


def test_on_a_terminal_log_lines_go_above_the_bar_scrubbed_and_each_event_is_told_once(
    connector: Connector, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)  # tqdm redirects only handlers of the real streams
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configure_logging("INFO")  # as the script does: a scrubbed handler on stderr, here the terminal
    try:
        bar = progress_for(terminal, terminal)
        connector.download_day(DAY, progress=bar)
        logging.getLogger("ringConnector.test").warning("Ring said access_token=abc123 is stale")
        bar.close()
        logging.getLogger("ringConnector.test").warning("after the bar")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    screen = terminal.getvalue()
    told = [line for line in screen.splitlines() if "downloaded " in line]
    assert len(told) == 5 and all(line.startswith("downloaded ") for line in told)  # the bar's lines only
    assert "downloaded event" not in screen  # the per-event INFO log line is not told a second time
    assert "Ring said access_token=… is stale" in screen and "abc123" not in screen  # still scrubbed
    assert "5 event(s) to download" in screen  # the other INFO lines stay
    assert screen.rstrip().endswith("after the bar")  # logging is back to normal once the bar is gone
    assert root.handlers == saved[0]


def test_a_skipped_event_prints_no_failed_line(connector: Connector) -> None:
    out = io.StringIO()
    lines = progress_for(out, io.StringIO())
    event = RingEvent(
        id="1", device=Device("d", "Front Door", "lpd_v2", "doorbots"), created_at=NOW, kind="ding"
    )
    lines.finished(event, None, None)  # e.g. the camera recorded nothing then (no footage)
    lines.finished(event, None, "HTTP 403")
    assert out.getvalue() == "failed     event 1: HTTP 403\n"


@pytest.mark.process
@pytest.mark.parametrize(
    ("args", "extra"),
    [
        (("2026-11-22", "--device", "Nope"), {}),
        (("2026-11-22",), {"RING_DEVICES": "Nope"}),
        (("--watch", "--device", "Nope"), {}),
        (("--watch",), {"RING_DEVICES": "Front Door,Nope"}),
    ],
)
def test_an_unknown_device_is_one_line_naming_the_devices_there_are(
    settings: Settings, emulator: Emulator, args: tuple[str, ...], extra: dict[str, str]
) -> None:
    result = run("startDownload.py", *args, env=environment(settings, **extra))
    assert result.returncode == 1, result.stdout
    *logged, line = result.stderr.strip().splitlines()
    assert not [text for text in logged if "error" in text.lower()] and "Traceback" not in result.stderr
    assert line.startswith("error: no device 'Nope' on the Ring account")
    assert "'Front Door' (id 1001)" in line and "'Back Door' (id 1002)" in line
    assert emulator.count("storage") == 0
