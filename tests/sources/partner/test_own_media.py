"""The connector's own clips and live views, remembered in DATA_DIR: no addition is lost when
threads and processes (the server and a script) add at once."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ringConnector.sources.partner.own_media import FILE_NAME, OwnMedia
from ringConnector.storage.atomic import TEMP_PREFIX

EACH = 25


def add_many(folder: str, device: str) -> None:
    """Add EACH windows of `device`, one read-modify-write each."""
    media = OwnMedia(Path(folder) / FILE_NAME, time.time)
    now_ms = int(time.time() * 1000)
    for n in range(EACH):
        media.add(device, now_ms + n * 60_000, now_ms + n * 60_000 + 30_000)


def remembered(folder: Path) -> set[tuple[str, int]]:
    media = OwnMedia(folder / FILE_NAME, time.time)
    return {(w.device, w.start_ms) for w in media._load()}


def test_threads_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda n: add_many(str(tmp_path), f"device-{n}"), range(4)))
    assert len(remembered(tmp_path)) == 4 * EACH


@pytest.mark.process
def test_processes_adding_at_once_lose_nothing(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=add_many, args=(str(tmp_path), f"device-{n}")) for n in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert len(remembered(tmp_path)) == 4 * EACH
    assert not list(tmp_path.glob(TEMP_PREFIX + "*"))  # every write was atomic and committed
