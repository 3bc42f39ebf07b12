"""The recordings the connector downloads from the emulator over HTTP, read by a real decoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringConnector.connector import Connector
from tests.support import DAY, SmallDay, decoded


def test_every_downloaded_recording_decodes(connector: Connector) -> None:
    """What the emulator served, as saved on disk (padded to each event's size), is the clip."""
    report = connector.download_day(DAY)
    assert {str(b["ringId"]) for b in report.downloaded} == SmallDay.expected_dings()
    for body in report.downloaded:
        video = Path(str(body["videoFileName"]))
        found = decoded(video.read_bytes())
        assert found["streams"] == [("video", "h264", 40), ("audio", "aac", 64)]
        assert found["duration"] == pytest.approx(4.0, abs=0.05)
        assert (found["video"], found["errors"]) == (40, [])
