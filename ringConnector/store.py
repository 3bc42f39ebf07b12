"""DATA_DIR/videos: where recordings and their event JSON live, and which events are already there."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ringConnector.files import AtomicFile, write_json

# An event is downloaded once its JSON (written after the video) is under its final name:
# "<YYYYmmdd-HHMMSS>-<ringId>.json".
_EVENT_FILE = re.compile(r"^\d{8}-\d{6}-(?P<ring_id>[^/]+)\.json$")


class DataStore:
    """The folder of videos and event JSON files, and its index of ring ids."""

    def __init__(self, videos_dir: Path) -> None:
        """Use `videos_dir` (DATA_DIR/videos), creating it when first written to."""
        self.videos_dir = videos_dir

    def known_ids(self) -> set[str]:
        """Ring ids whose video and event JSON are complete on disk."""
        if not self.videos_dir.is_dir():
            return set()
        found = set()
        for path in self.videos_dir.iterdir():
            match = _EVENT_FILE.match(path.name)
            if match:
                found.add(unquote(match["ring_id"]))  # file names hold escaped ids
        return found

    def video_path(self, stem: str) -> Path:
        """Where the recording of the event named `stem` goes."""
        return self.videos_dir / f"{stem}.mp4"

    def json_path(self, stem: str) -> Path:
        """Where the event JSON of the event named `stem` goes (beside its video)."""
        return self.videos_dir / f"{stem}.json"

    def open_video(self, stem: str) -> AtomicFile:
        """A temporary file that becomes the event's video on commit."""
        return AtomicFile(self.video_path(stem))

    def save_event(self, stem: str, body: dict[str, Any]) -> None:
        """Write the event JSON atomically; from then on the event counts as downloaded."""
        write_json(self.json_path(stem), body)
