"""What the launchers do first: run under the project's virtualenv, so `./startDownload.py` works
from cron or a shell without activating anything. Standard library only: it runs before the
project's requirements are importable."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

PROJECT = Path(__file__).resolve().parents[2]
SERVICE_VENV = ".venv"  # requirements.lock only: what the service runs with
DEV_VENV = ".venv-dev"  # the same tree plus the test and lint tools (scripts/bootstrap.sh --dev)
VENVS = (SERVICE_VENV, DEV_VENV)
# Set to anything: run with the interpreter the script was started with (one that has
# requirements.lock installed), not the project's virtualenv.
NO_VENV = "RINGCONNECTOR_NO_VENV"
# Set for the re-executed launcher: it must now run inside that virtualenv, or it is broken.
_ENTERED = "RINGCONNECTOR_VENV_ENTERED"


def use_project_venv() -> None:
    """Re-execute this script under the project's virtualenv unless it already runs in one.

    The service's .venv is preferred; .venv-dev serves where only the tests were set up. One
    that cannot be used (built by another user, moved, broken) is one line on stderr and exit
    status 1, not a traceback."""
    running = Path(sys.prefix).resolve()
    if any(running == (PROJECT / venv).resolve() for venv in VENVS):
        os.environ.pop(_ENTERED, None)  # not for whatever this script starts
        return
    if os.environ.get(NO_VENV):  # an escape hatch for other environments
        return
    entered = os.environ.get(_ENTERED)
    if entered:  # re-executed, and still not in it: its python is not a virtualenv's any more
        _cannot_use(Path(entered), "its python does not start as a virtualenv")
    for venv in VENVS:
        python = PROJECT / venv / "bin" / "python"
        try:
            found = python.exists()
        except OSError as ex:  # the folder is there, but this user may not look inside
            _cannot_use(PROJECT / venv, ex.strerror or type(ex).__name__)
        if not found:
            continue
        try:
            # The marker goes to the new process only, not to what this one may start.
            env = {**os.environ, _ENTERED: str(PROJECT / venv)}
            os.execve(python, [str(python), *sys.argv], env)  # noqa: S606 - our own interpreter
        except OSError as ex:
            _cannot_use(PROJECT / venv, ex.strerror or type(ex).__name__)
        return  # execve does not return (a test's stand-in does)


def run_main(module: str, function: str) -> int:
    """Import the script's module and run its main function; requirements this interpreter
    lacks are one line saying what to do, not a traceback."""
    try:
        main: Callable[[], int] = getattr(importlib.import_module(module), function)
    except ModuleNotFoundError as ex:
        if (ex.name or "").partition(".")[0] == "ringConnector":
            raise  # our own package incomplete: a bug, with its traceback
        if os.environ.get(NO_VENV):
            fix = f"install requirements.lock into it, or unset {NO_VENV} and run ./scripts/bootstrap.sh"
        else:
            fix = "run ./scripts/bootstrap.sh to create the project's .venv"
        print(f"error: {sys.executable} lacks the project's requirements ({ex}): {fix}", file=sys.stderr)
        return 1
    return main()


def _cannot_use(venv: Path, why: str) -> NoReturn:
    print(
        f"error: cannot use the virtualenv {venv} ({why}): run ./scripts/bootstrap.sh as this user to "
        f"rebuild it, or set {NO_VENV}=1 to run with {sys.executable} (requirements.lock installed into it)",
        file=sys.stderr,
    )
    sys.exit(1)
