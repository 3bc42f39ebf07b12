"""Baseline (a): the article's design on ring_doorbell 0.9, for the benchmark only.

One event after another, each recording read whole into memory and then written
(ring_doorbell's `async_recording_download`, as the article's `recording_download`), one history
page, days in UTC. Run as: python bench/article_design.py YYYY-MM-DD OUT_DIR (settings from the
environment, as for startDownload.py).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date
from pathlib import Path

from ring_doorbell import Auth

from ringConnector.config import load_settings
from ringConnector.sources.consumer.adapter import ConfiguredRing, point_library_at
from ringConnector.storage.tokens import TokenFile


async def download_day(day: date, out_dir: Path) -> int:
    """Download the day's ready dings the article's way; returns how many."""
    settings = load_settings()
    point_library_at(settings)  # the only change: the emulator's URLs instead of Ring's
    store = TokenFile(settings.oauth_file)
    auth = Auth("Ringface", store.load(), store.save, store.hardware_id())
    ring = ConfiguredRing(auth, settings.ring_api_url)
    await ring.async_update_data()
    out_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - once, before any download
    count = 0
    try:
        for doorbell in ring.devices()["doorbots"]:
            for event in await doorbell.async_history(limit=300, kind="ding"):
                if event["created_at"].date() != day or event["recording"]["status"] != "ready":
                    continue
                name = event["created_at"].strftime("%Y%m%d-%H%M%S")
                await doorbell.async_recording_download(  # type: ignore[attr-defined]  # doorbells have it; the list is typed RingGeneric
                    event["id"], filename=str(out_dir / f"{name}.mp4"), override=True
                )
                count += 1
    finally:
        await auth.async_close()
    return count


if __name__ == "__main__":
    downloaded = asyncio.run(download_day(date.fromisoformat(sys.argv[1]), Path(sys.argv[2])))
    print(f"{downloaded} downloaded")
