"""Health, readiness and the device list."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from ringConnector import connector as connector_module
from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Fault
from ringConnector.errors import AUTH_FIX
from ringConnector.web.app import create_app
from tests.support import BACK, FRONT, GARAGE, UNSUBSCRIBED, ZONE, FakeSleep, SmallDay, signed_in, small_day


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


READY = (200, {"status": "ready", "reason": "a token is present and Ring answers"})


def readyz(client: FlaskClient) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    body: dict[str, Any] = response.get_json()
    return response.status_code, body


def not_ready(reason: str) -> tuple[int, dict[str, Any]]:
    return 503, {"status": "not_ready", "reason": reason}


class Monotonic:
    """Stands in for the time module in ringConnector.connector: its readiness cache's clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)  # anything else the module uses stays real


@pytest.fixture
def monotonic(monkeypatch: pytest.MonkeyPatch) -> Monotonic:
    """The readiness cache's clock, moved by the test (only that module's `time` is replaced)."""
    fake = Monotonic()
    monkeypatch.setattr(connector_module, "time", fake)
    return fake


def test_ready_when_a_token_is_there_and_ring_answers(client: FlaskClient, emulator: Emulator) -> None:
    assert readyz(client) == READY
    assert emulator.count("devices") == 1


def test_probes_within_30_s_ask_ring_once_and_a_later_probe_asks_again(
    client: FlaskClient, emulator: Emulator, monotonic: Monotonic
) -> None:
    assert readyz(client) == READY
    monotonic.now += 29
    assert readyz(client) == READY
    assert readyz(client) == READY
    assert emulator.count("devices") == 1  # probes do not each ask Ring
    monotonic.now += 2  # 31 s after the first
    assert readyz(client) == READY
    assert emulator.count("devices") == 2


def test_a_not_ready_answer_is_kept_for_30_s_too_and_the_probe_is_not_retried(
    client: FlaskClient, emulator: Emulator, monotonic: Monotonic, sleep: FakeSleep
) -> None:
    emulator.add_fault(Fault("devices", "status", status=500, times=1))
    assert readyz(client) == not_ready("device list: HTTP 500")
    assert sleep.waits == [] and emulator.count("devices") == 1  # one request, no retry
    monotonic.now += 29
    assert readyz(client) == not_ready("device list: HTTP 500")  # Ring would answer now
    assert emulator.count("devices") == 1
    monotonic.now += 2
    assert readyz(client) == READY
    assert emulator.count("devices") == 2


def test_not_ready_without_a_token(client: FlaskClient, settings: Settings, emulator: Emulator) -> None:
    settings.oauth_file.unlink()
    assert readyz(client) == not_ready(f"no Ring token at {settings.oauth_file.name}: {AUTH_FIX}")
    assert emulator.count("session") == emulator.count("devices") == 0  # nothing to ask Ring with


def test_not_ready_when_ring_rejects_the_token(client: FlaskClient, emulator: Emulator) -> None:
    emulator.expire_access_tokens()
    emulator.revoke_refresh_tokens()
    assert readyz(client) == not_ready(f"Ring rejected the saved token (invalid_grant): {AUTH_FIX}")


def test_not_ready_when_ring_is_down(client: FlaskClient, emulator: Emulator) -> None:
    host = emulator.api_url.removeprefix("http://")
    emulator.stop()
    assert readyz(client) == not_ready(f"session: could not reach Ring at {host} (Connection refused)")


def test_not_ready_when_ring_rate_limits_the_probe(client: FlaskClient, emulator: Emulator) -> None:
    emulator.add_fault(Fault("devices", "status", status=429, retry_after=9))
    assert readyz(client) == not_ready("device list: HTTP 429")


def test_not_ready_when_ring_does_not_answer_in_time(settings: Settings, emulator: Emulator) -> None:
    emulator.add_fault(Fault("devices", "stall"))
    with Connector(settings.replace(http_timeout=0.5), sleep=FakeSleep()) as slow:
        client = create_app(settings, connector=slow).test_client()
        assert readyz(client) == not_ready("Ring did not answer within 0.5 s")


def test_probes_need_no_api_key(settings: Settings, connector: Connector) -> None:
    keyed = create_app(settings.replace(api_key="secret-key"), connector=connector).test_client()
    assert keyed.get("/healthz").status_code == 200
    assert readyz(keyed) == READY
    assert keyed.get("/connector/devices").status_code == 401


def test_the_accounts_video_devices(client: FlaskClient) -> None:
    devices = {d["id"]: d for d in client.get("/connector/devices").get_json()}
    assert set(devices) == {str(FRONT), str(BACK), str(GARAGE), str(UNSUBSCRIBED)}  # no chime
    assert devices[str(FRONT)] == {
        "id": str(FRONT), "name": "Front Door", "kind": "lpd_v2", "type": "doorbots",
        "timeZone": ZONE, "hasRecordings": True,
    }  # fmt: skip
    assert devices[str(BACK)]["type"] == "authorized_doorbots"
    assert devices[str(UNSUBSCRIBED)]["hasRecordings"] is False


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_downloads_bytes_retries_and_ring_latency(
    client: FlaskClient, emulator: Emulator
) -> None:
    before = {
        "events": sample("ringconnector_events_downloaded_total", source="consumer"),
        "bytes": sample("ringconnector_downloaded_bytes_total", source="consumer"),
        "retries": sample("ringconnector_retries_total", cause="server_error"),
        "history": sample("ringconnector_ring_request_seconds_count", call="consumer history"),
    }
    emulator.add_fault(Fault("storage", "status", status=500))
    client.post("/connector/download/20261122")
    text = client.get("/metrics").get_data(as_text=True)
    assert "ringconnector_events_downloaded_total" in text
    assert sample("ringconnector_events_downloaded_total", source="consumer") - before["events"] == 5
    assert (
        sample("ringconnector_downloaded_bytes_total", source="consumer") - before["bytes"]
        == SmallDay.expected_bytes()
    )
    assert sample("ringconnector_retries_total", cause="server_error") - before["retries"] == 1
    assert sample("ringconnector_ring_request_seconds_count", call="consumer history") > before["history"]


def test_concurrent_probes_share_one_check_of_ring(tmp_path: Path) -> None:
    # The emulator answers slowly, so the ten probes overlap; they must wait for one check.
    with Emulator(small_day(), api_latency=0.2) as slow:
        settings = signed_in(tmp_path, slow)
        with Connector(settings) as connector, ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda _: connector.readiness(), range(10)))
        assert answers == [(True, "a token is present and Ring answers")] * 10
        assert slow.count("devices") == 1 and slow.count("session") == 1
