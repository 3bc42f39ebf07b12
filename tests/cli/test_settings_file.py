"""Where the scripts take their settings from: the environment and the project folder's own `.env`
(or the file RINGCONNECTOR_ENV_FILE names), never a `.env` in a folder above the project, where
anyone sharing a temporary, home or parent folder could plant one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

pytestmark = pytest.mark.process


def copy_of_the_project(parent: Path) -> Path:
    """The package and startDownload.py in `parent`/project, without a `.env` of their own."""
    project = parent / "project"
    shutil.copytree(
        ROOT / "ringConnector", project / "ringConnector", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "startDownload.py", project)
    return project


def download(project: Path, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """startDownload.py --dry-run from the copy, run in its folder, with no RING_ setting in the
    environment (nothing to sign in with: it stops at the token, exit status 3)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("RING_", "RINGCONNECTOR_"))}
    env.update(HOME=str(home), RINGCONNECTOR_NO_VENV="1", TIME_ZONE="UTC", **extra)
    return subprocess.run(
        [sys.executable, str(project / "startDownload.py"), "--dry-run"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_env_file_in_a_parent_folder_changes_nothing(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path)
    (tmp_path / ".env").write_text(
        "RING_SOURCE=planted\nRING_API_URL=http://127.0.0.1:9/api\nCALLBACK_URL=http://127.0.0.1:9/steal\n"
    )
    result = download(project, tmp_path)
    assert result.returncode == 3, result.stderr  # the defaults: no token yet
    assert result.stderr.strip().startswith("error: no Ring token at"), result.stderr
    assert "planted" not in result.stderr


def test_the_projects_own_env_file_is_read(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path)
    (project / ".env").write_text("RING_SOURCE=from-the-project\n")
    result = download(project, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: RING_SOURCE must be one of consumer, partner; got 'from-the-project'"
    )


def test_ringconnector_env_file_names_the_file_instead(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path)
    (project / ".env").write_text("RING_SOURCE=from-the-project\n")
    elsewhere = tmp_path / "etc" / "ringconnector.env"
    elsewhere.parent.mkdir()
    elsewhere.write_text("RING_SOURCE=from-etc\n")
    named = download(project, tmp_path, RINGCONNECTOR_ENV_FILE=str(elsewhere))
    assert named.stderr.strip() == "error: RING_SOURCE must be one of consumer, partner; got 'from-etc'"
    missing = download(project, tmp_path, RINGCONNECTOR_ENV_FILE=str(tmp_path / "missing.env"))
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"error: the settings file RINGCONNECTOR_ENV_FILE={tmp_path / 'missing.env'} cannot be read "
        "(No such file or directory)"
    )
