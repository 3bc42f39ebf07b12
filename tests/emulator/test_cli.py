"""The command line: one JSON line with the URLs, then serve until SIGTERM/SIGINT and exit 0."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import requests

from ringConnector.emulator import PartnerApp, bulk_scenario

ROOT = Path(__file__).resolve().parents[2]
# Every test here runs `python -m ringConnector.emulator` in a child process.
pytestmark = pytest.mark.process

PORTS = (
    "--api-port",
    "0",
    "--storage-port",
    "0",
    "--partner-port",
    "0",
    "--google-port",
    "0",
    "--mcs-port",
    "0",
)


def _launch(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ringConnector.emulator", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _reap(process: subprocess.Popen[str]) -> None:
    # Kill the emulator if the test failed before stopping it, and close its pipes.
    if process.poll() is None:
        process.kill()
        process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_urls_and_exits_cleanly_on_signal(stop_signal: signal.Signals) -> None:
    """The first stdout line is JSON with the URLs; a signal stops it with exit status 0."""
    process = _launch(*PORTS, "--bulk-events", "3", "--bulk-size", "50000")
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        assert set(urls) == {
            *("api_url", "oauth_url", "storage_url", "partner_url"),
            *("push_google_url", "push_mcs", "push_ca_file"),
        }
        assert Path(urls["push_ca_file"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
        assert urls["oauth_url"] == urls["api_url"] + "/oauth/token"
        assert len({urls["api_url"], urls["storage_url"], urls["partner_url"]}) == 3
        counters = requests.get(urls["api_url"] + "/_emulator/counters", timeout=5)
        assert counters.status_code == 200
        _check_partner_host(urls)
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        _reap(process)


def _check_partner_host(urls: dict[str, str]) -> None:
    # A code from the admin route, exchanged at the token endpoint, lists devices on the partner host.
    code = requests.post(urls["api_url"] + "/_emulator/partner/code", timeout=5).json()["code"]
    app = PartnerApp()
    form = {"grant_type": "authorization_code", "code": code}
    token = requests.post(
        urls["oauth_url"], data=form, auth=(app.client_id, app.client_secret), timeout=5
    ).json()
    devices = requests.get(
        urls["partner_url"] + "/v1/devices",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=5,
    )
    assert [d["id"] for d in devices.json()["data"]] == ["ava1.ring.device.300000001"]


def test_cli_serves_a_scenario_file(tmp_path: Path) -> None:
    """--scenario FILE.json serves that file's devices."""
    scenario = bulk_scenario(date(2024, 3, 9), "UTC", events=2, size=1000)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario.to_dict()))
    process = _launch("--scenario", str(path), *PORTS)
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        token = requests.post(
            urls["oauth_url"],
            data={"grant_type": "password", "username": "demo@example.com", "password": "demo-password"},
            headers={"2fa-code": "123456"},
            timeout=5,
        ).json()
        devices = requests.get(
            urls["api_url"] + "/clients_api/ring_devices",
            headers={"Authorization": f"Bearer {token['access_token']}"},
            timeout=5,
        ).json()
        assert [d["description"] for d in devices["doorbots"]] == ["Doorbell 1"]
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        _reap(process)


def test_cli_refuses_a_non_loopback_host() -> None:
    """--host 0.0.0.0 is refused with a non-zero exit and nothing on stdout."""
    process = _launch("--host", "0.0.0.0", *PORTS)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 2
    assert out == "" and "loopback" in err
