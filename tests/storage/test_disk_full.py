"""The disk fills up during a download (ENOSPC): a clear error, nothing partial under a final
name, and the next run after space is freed completes. DATA_DIR is on a small tmpfs."""

from __future__ import annotations

import contextlib
import errno
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from ringConnector.config import Settings
from ringConnector.emulator import Emulator
from ringConnector.storage.atomic import AtomicFile
from ringConnector.storage.stills import decodes
from tests.support import DAY, FINAL, FRONT, environment, leftovers, make_event, run, sha256, small_disk

# Four recordings of 150 kB on an 8 MiB disk of which a filler leaves 225 kB: one fits, then
# the disk is full part-way through the next. Without the filler all four fit. Storage sends
# them at 120 kB/s, in pieces of 6 kB (the emulator paces 20 pieces a second), so the
# connector writes small chunks as it does from a slow link.
DISK = "8m"
SIZE = 150_000
ROOM = 225_000
BANDWIDTH = 120_000
EVENTS = [make_event(FRONT, DAY, f"{hour:02d}:00:00", size=SIZE) for hour in range(8, 12)]
IDS = {str(event.id) for event in EVENTS}


pytestmark = [pytest.mark.events(EVENTS), pytest.mark.storage_bandwidth(BANDWIDTH), pytest.mark.process]


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK bytes mounted for the test (needs root or CAP_SYS_ADMIN)."""
    with small_disk(tmp_path / "disk", DISK) as mount_point:
        yield mount_point


def fill(disk: Path) -> Path:
    """A file taking all of the disk but ROOM bytes."""
    stats = os.statvfs(disk)
    filler = disk / "filler"
    filler.write_bytes(b"\0" * (stats.f_bavail * stats.f_frsize - ROOM))
    return filler


def check_final_names(videos: Path, emulator: Emulator) -> set[str]:
    """Every video under a final name is complete and every event JSON has its video; returns
    the ids with an event JSON."""
    jsons = set()
    for path in videos.iterdir():
        match = FINAL.match(path.name)
        if match is None:
            assert path.name.startswith("."), f"unexpected visible file {path.name}"
            continue
        if match["ext"] == "mp4":
            assert sha256(path) == emulator.expected_sha256(match["ring_id"]), f"{path.name} is not complete"
        elif match["ext"] == "jpg":
            assert decodes(path.read_bytes()), f"{path.name} is not a whole picture"
        else:
            assert path.with_suffix(".mp4").is_file(), f"{path.name} has no video"
            jsons.add(match["ring_id"])
    return jsons


def run_on_a_full_disk(settings: Settings, disk: Path) -> tuple[dict[str, str], Path, dict[str, str]]:
    """startDownload.py with DATA_DIR on the nearly full disk: (env, filler, failure reasons by id)."""
    env = environment(settings, DATA_DIR=str(disk / "data"), DOWNLOAD_CONCURRENCY="1")
    filler = fill(disk)
    result = run("startDownload.py", DAY.isoformat(), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr, result.stderr[-2500:]
    failed = dict(re.findall(r"^failed     event (\d+): (.*)$", result.stdout, re.MULTILINE))
    downloaded = re.findall(r"^downloaded (\d+) ", result.stdout, re.MULTILINE)
    assert failed, result.stdout
    assert sorted([*downloaded, *failed]) == sorted(IDS)
    return env, filler, failed


def test_a_full_disk_is_a_clear_error_and_the_next_run_completes(
    settings: Settings, emulator: Emulator, disk: Path
) -> None:
    env, filler, failed = run_on_a_full_disk(settings, disk)
    for ring_id, reason in failed.items():
        assert "No space left on device" in reason, (ring_id, reason)
    videos = disk / "data" / "videos"
    done = check_final_names(videos, emulator)
    assert done == IDS - set(failed)

    filler.unlink()
    again = run("startDownload.py", DAY.isoformat(), env={**env, "DOWNLOAD_CONCURRENCY": "4"})
    assert again.returncode == 0, again.stdout + again.stderr
    assert sorted(re.findall(r"^downloaded (\d+) ", again.stdout, re.MULTILINE)) == sorted(failed)
    assert check_final_names(videos, emulator) == IDS
    names = [p.name for p in videos.iterdir()]
    for ring_id in IDS:
        assert len([n for n in names if FINAL.match(n) and n.endswith(f"-{ring_id}.mp4")]) == 1
    for ring_id in done:
        assert emulator.storage_downloads(ring_id) == 1


def test_a_full_disk_leaves_no_temporary_file(settings: Settings, emulator: Emulator, disk: Path) -> None:
    run_on_a_full_disk(settings, disk)
    assert leftovers(disk / "data" / "videos") == []


def test_discarding_after_enospc_removes_the_temporary_file(disk: Path) -> None:
    fill(disk)
    out = AtomicFile(disk / "v.mp4")
    with pytest.raises(OSError) as failure:  # written until the disk is full
        while True:
            out.write(b"x" * 6000)  # smaller than the write buffer, as from a slow link
    assert failure.value.errno == errno.ENOSPC
    with contextlib.suppress(OSError):  # the error may be told again; the file must go anyway
        out.discard()
    assert leftovers(disk) == []
