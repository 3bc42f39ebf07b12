"""What the launchers do first: run under the project's .venv, so `./startDownload.py` works
from cron or a shell without activating anything. Standard library only: it runs before the
project's requirements are importable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def use_project_venv() -> None:
    """Re-execute this script with .venv/bin/python if it exists and is not the one running."""
    venv_python = PROJECT / ".venv" / "bin" / "python"
    if not venv_python.exists() or Path(sys.prefix).resolve() == (PROJECT / ".venv").resolve():
        return
    if os.environ.get("RINGCONNECTOR_NO_VENV"):  # an escape hatch for other environments
        return
    os.execv(venv_python, [str(venv_python), *sys.argv])  # noqa: S606 - our own interpreter
