"""What the launchers do first: run under the project's virtualenv, so `./startDownload.py` works
from cron or a shell without activating anything. Standard library only: it runs before the
project's requirements are importable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
SERVICE_VENV = ".venv"  # requirements.lock only: what the service runs with
DEV_VENV = ".venv-dev"  # the same tree plus the test and lint tools (scripts/bootstrap.sh --dev)
VENVS = (SERVICE_VENV, DEV_VENV)


def use_project_venv() -> None:
    """Re-execute this script under the project's virtualenv unless it already runs in one.

    The service's .venv is preferred; .venv-dev serves where only the tests were set up."""
    running = Path(sys.prefix).resolve()
    if any(running == (PROJECT / venv).resolve() for venv in VENVS):
        return
    if os.environ.get("RINGCONNECTOR_NO_VENV"):  # an escape hatch for other environments
        return
    found = [
        PROJECT / venv / "bin" / "python" for venv in VENVS if (PROJECT / venv / "bin" / "python").exists()
    ]
    if found:
        os.execv(found[0], [str(found[0]), *sys.argv])  # noqa: S606 - our own interpreter
