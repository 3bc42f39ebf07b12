"""The whole dependency tree is pinned with hashes, and the service runs without the dev tools."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from importlib.metadata import distributions
from pathlib import Path

import pytest

from ringConnector.cli import venv as venv_module
from ringConnector.cli.venv import DEV_VENV, SERVICE_VENV
from tests.support import ROOT

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.M)
_INSTALLER = {"pip", "setuptools", "wheel"}  # what venv itself puts there
_LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m; print(*(d.metadata['Name'] for d in m.distributions()))"
)


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(path: Path) -> dict[str, str]:
    return {_name(name): version for name, version in _PIN.findall(path.read_text())}


def _entries(path: Path) -> list[str]:
    """A lock file's requirements, each with its continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", path.read_text())
    return [line for line in joined.splitlines() if line and not line.lstrip().startswith("#")]


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-dev.lock"])
def test_every_package_of_a_lock_is_pinned_exactly_with_its_hashes(lock: str) -> None:
    entries = _entries(ROOT / lock)
    assert len(entries) >= 40
    for entry in entries:
        assert _PIN.match(entry), entry
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), entry


@pytest.mark.parametrize(
    ("direct", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_each_lock_holds_its_direct_requirements_at_their_pinned_versions(direct: str, lock: str) -> None:
    wanted = _pins(ROOT / direct)
    locked = _pins(ROOT / lock)
    assert wanted, direct
    assert {name: locked.get(name) for name in wanted} == wanted  # else: run scripts/lock.sh


def test_the_dev_tree_runs_exactly_the_service_tree_and_adds_only_tools() -> None:
    service = _pins(ROOT / "requirements.lock")
    dev = _pins(ROOT / "requirements-dev.lock")
    assert {name: dev.get(name) for name in service} == service
    assert set(_pins(ROOT / "requirements.txt")) <= set(service)
    assert "pytest" in dev and "pytest" not in service


def test_the_tests_run_in_an_environment_that_is_exactly_the_dev_lock() -> None:
    # bootstrap.sh installs with --require-hashes and removes what the lock does not name, so a
    # package someone pip-installed by hand (or a requirement added without relocking) shows here.
    installed = {_name(d.metadata["Name"]): d.version for d in distributions()}
    installed = {name: version for name, version in installed.items() if name not in _INSTALLER}
    assert installed == _pins(ROOT / "requirements-dev.lock")


@pytest.mark.process
def test_the_service_environment_has_none_of_the_dev_tools() -> None:
    python = ROOT / SERVICE_VENV / "bin" / "python"
    assert python.exists(), "scripts/test.sh sets up .venv before the tests"
    listing = subprocess.run(
        [str(python), "-c", _LIST_DISTRIBUTIONS],
        capture_output=True,
        text=True,
        check=True,
    )
    installed = {_name(line) for line in listing.stdout.split()} - _INSTALLER
    assert installed == set(_pins(ROOT / "requirements.lock"))


@pytest.mark.parametrize(
    ("present", "running", "chosen"),
    [
        ((SERVICE_VENV, DEV_VENV), "/usr", SERVICE_VENV),
        ((DEV_VENV,), "/usr", DEV_VENV),
        ((SERVICE_VENV, DEV_VENV), DEV_VENV, None),
        ((SERVICE_VENV,), SERVICE_VENV, None),
        ((), "/usr", None),
    ],
)
def test_a_launcher_prefers_the_service_environment(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    present: tuple[str, ...],
    running: str,
    chosen: str | None,
) -> None:
    for venv in present:
        (tmp_path / venv / "bin").mkdir(parents=True)
        (tmp_path / venv / "bin" / "python").touch()
    calls: list[tuple[str, str | None]] = []
    monkeypatch.setattr(venv_module, "PROJECT", tmp_path)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / running) if running != "/usr" else "/usr")
    monkeypatch.delenv("RINGCONNECTOR_NO_VENV", raising=False)
    monkeypatch.delenv("RINGCONNECTOR_VENV_ENTERED", raising=False)
    monkeypatch.setattr(
        os, "execve", lambda path, argv, env: calls.append((str(path), env.get("RINGCONNECTOR_VENV_ENTERED")))
    )
    venv_module.use_project_venv()
    # The new process is told which virtualenv it was started in (to tell one that does not work).
    assert calls == ([(str(tmp_path / chosen / "bin" / "python"), str(tmp_path / chosen))] if chosen else [])
    assert "RINGCONNECTOR_VENV_ENTERED" not in os.environ


def test_a_launcher_started_in_a_virtualenv_that_is_not_one_stops_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Its python ran, but not as a virtualenv (its pyvenv.cfg unreadable, say): executing it
    # again would loop for ever.
    (tmp_path / SERVICE_VENV / "bin").mkdir(parents=True)
    (tmp_path / SERVICE_VENV / "bin" / "python").touch()
    monkeypatch.setattr(venv_module, "PROJECT", tmp_path)
    monkeypatch.setattr(sys, "prefix", "/usr")
    monkeypatch.delenv("RINGCONNECTOR_NO_VENV", raising=False)
    monkeypatch.setenv("RINGCONNECTOR_VENV_ENTERED", str(tmp_path / SERVICE_VENV))
    monkeypatch.setattr(os, "execve", lambda *args: pytest.fail("executed again"))
    with pytest.raises(SystemExit) as stopped:
        venv_module.use_project_venv()
    assert stopped.value.code == 1
    venv = tmp_path / SERVICE_VENV
    assert capsys.readouterr().err.startswith(
        f"error: cannot use the virtualenv {venv} (its python does not start as a virtualenv)"
    )
