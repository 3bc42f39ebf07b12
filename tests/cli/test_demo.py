"""The README's demo command: the emulator, sign-in, a download and the server, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ringConnector.cli import demo

pytestmark = pytest.mark.process  # the real scripts and server, as subprocesses


def test_the_demo_runs_the_whole_flow(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main(["--data", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "Token written" in out
    assert "0 failed" in out
    events = [json.loads(p.read_text()) for p in (tmp_path / "demo" / "videos").glob("*.json")]
    assert len(events) >= 8
    assert all(Path(e["videoFileName"]).stat().st_size > 40_000 for e in events)
