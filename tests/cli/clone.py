"""A project folder as a fresh clone leaves it, and the scripts run from it with the defaults."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.support import ACCOUNT, ROOT, run

# What a user types at startCreateAuthFile.py's prompts for the emulator's account.
SIGN_IN = f"{ACCOUNT.username}\n{ACCOUNT.password}\n{ACCOUNT.two_factor_code}\n"


def git(folder: Path, *args: str) -> str:
    """git in `folder`; its output."""
    return subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    ).stdout


def make_clone(folder: Path) -> Path:
    """`folder` as a clone leaves it, as far as git can tell: a repository holding the project's
    .gitignore, nothing untracked."""
    folder.mkdir()
    git(folder, "init", "-q")
    shutil.copy(ROOT / ".gitignore", folder / ".gitignore")
    git(folder, "add", ".gitignore")
    git(folder, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-qm", "clone")
    return folder


def run_in(
    folder: Path, script: str, *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One of the project's scripts with `folder` as the working directory."""
    return run(script, *args, env=env, stdin=stdin, cwd=folder)
