"""Fixtures of the script tests: a fresh clone's folder, and the settings a user keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringConnector.config import Settings
from tests.cli.clone import make_clone
from tests.support import environment


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder as a clone leaves it (git sees nothing untracked); scripts run from it."""
    return make_clone(tmp_path / "project")


@pytest.fixture
def defaults(settings: Settings) -> dict[str, str]:
    """The environment a user keeps: aimed at the emulator, the paths at their relative
    defaults (set explicitly, so a developer's own .env cannot change them)."""
    return environment(settings, OAUTH_FILE="oauth-authorization.json", DATA_DIR="data")
