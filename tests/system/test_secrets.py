"""No password, token, 2FA code, API key or pre-signed URL signature in logs, errors or answers."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from ringConnector.config import Settings
from ringConnector.emulator import Emulator, Fault, Scenario
from tests.support import ACCOUNT, FRONT, ROOT, SmallDay, environment, run, small_day, wait_for

PASSWORD = "Sup3r-Secret-Pw!"
CODE = "735291"
API_KEY = "api-key-that-must-not-leak-7f3a"


def secret_day() -> Scenario:
    scenario = small_day()
    scenario.account = replace(ACCOUNT, password=PASSWORD, two_factor_code=CODE)
    return scenario


# Every test here runs against an account with these known secrets, to look for them.
# with_args: a lone callable would be taken as the function to decorate.
pytestmark = [pytest.mark.scenario.with_args(secret_day), pytest.mark.process]


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], str]:
    """server.py with its whole stderr going to `log`; returns once it serves."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    handle = log.open("w")
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "server.py")], env={**env, "PORT": str(port)}, stderr=handle, text=True
    )

    def serving() -> bool:
        if process.poll() is not None:
            pytest.fail("server.py exited: " + log.read_text())
        return "Serving on" in log.read_text()

    wait_for(serving, "server.py to serve")
    return process, f"http://127.0.0.1:{port}"


def test_a_whole_run_leaks_no_secret(settings: Settings, emulator: Emulator, tmp_path: Path) -> None:
    settings.oauth_file.unlink()
    env = environment(settings, LOG_LEVEL="DEBUG", CONNECTOR_API_KEY=API_KEY)
    seen: list[str] = []

    login = run("startCreateAuthFile.py", env=env, stdin=f"{ACCOUNT.username}\n{PASSWORD}\n{CODE}\n")
    assert login.returncode == 0, login.stderr
    seen += [login.stdout, login.stderr]
    tokens = [json.loads(settings.oauth_file.read_text())]

    emulator.expire_access_tokens()  # the download refreshes the token: both pairs must stay out
    emulator.add_fault(Fault("share_play", "status", status=401))
    download = run("startDownload.py", "2026-11-22", env=env)
    assert download.returncode == 0, download.stderr
    seen += [download.stdout, download.stderr]
    tokens.append(json.loads(settings.oauth_file.read_text()))

    process, base = serve(env, tmp_path / "server.log")
    try:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        answers = [
            requests.post(base + "/connector/download/20261122", headers=auth, timeout=60),
            requests.post(
                base + "/connector/download/20261122", headers={"Authorization": "Bearer nope"}, timeout=60
            ),
            requests.post(base + "/connector/download/2026112x", headers=auth, timeout=60),
        ]
        emulator.revoke_refresh_tokens()
        emulator.expire_access_tokens()
        emulator.set_event(SmallDay.processing.id, recording_status="ready")
        answers.append(requests.post(base + "/connector/download/20261122", headers=auth, timeout=60))
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert [a.status_code for a in answers] == [200, 401, 400, 503]
    seen += [a.text + json.dumps(dict(a.headers)) for a in answers]
    seen.append((tmp_path / "server.log").read_text())
    text = "\n".join(seen)

    assert "DEBUG" in text and "refreshing the Ring access token" in text  # the run did log, refresh included
    secrets = [PASSWORD, CODE, API_KEY] + [t[k] for t in tokens for k in ("access_token", "refresh_token")]
    secrets += list(emulator.state._signatures)  # every pre-signed URL signature issued
    for secret in secrets:
        assert secret not in text, f"a secret leaked: {secret[:4]}…"
    assert not re.search(r"X-Amz-Signature=[0-9a-fA-F]{8}", text)


def strings(value: object) -> list[str]:
    """Every string in a JSON document (keys aside)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_push_at_debug_leaks_no_push_token_in_either_log_format(
    settings: Settings, emulator: Emulator, tmp_path: Path, log_format: str
) -> None:
    env = environment(settings, WATCH="true", LOG_LEVEL="DEBUG", LOG_FORMAT=log_format)
    log = tmp_path / "server.log"
    process, base = serve(env, log)
    try:
        wait_for(
            lambda: (
                requests.get(base + "/connector/watch", timeout=10).json()["push"]["state"] == "connected"
            ),
            "push to connect",
        )
        ding = emulator.ring_now(FRONT, ready_after=0.5, seq=1)
        wait_for(lambda: any(settings.videos_dir.glob(f"*-{ding.id}.json")), "the pushed ding on disk")
    finally:
        process.terminate()
        process.wait(timeout=10)
    text = log.read_text()
    assert "push_notification_token" in text  # ring_doorbell logged the PATCH that hands it to Ring
    credentials = json.loads(settings.oauth_file.with_name("fcm-credentials.json").read_text())
    secrets = [value for value in strings(credentials) if len(value) >= 20]  # tokens and keys
    assert len(secrets) >= 4
    for secret in secrets:
        assert secret not in text, f"a push credential leaked: {secret[:6]}…"
