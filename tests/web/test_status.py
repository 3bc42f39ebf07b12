"""Health, readiness and the device list."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from ringConnector import connector as connector_module
from ringConnector.config import Settings
from ringConnector.connector import READY_TTL, Connector
from ringConnector.emulator import Emulator, Fault
from ringConnector.errors import AUTH_FIX
from ringConnector.web.app import create_app
from tests.support import (
    BACK,
    FRONT,
    GARAGE,
    UNSUBSCRIBED,
    ZONE,
    FakeSleep,
    SmallDay,
    served,
    signed_in,
    small_day,
    wait_for,
)


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
    monotonic.now += 2  # 31 s after the first: answered from the last check, and a new one started
    assert readyz(client) == READY
    wait_for(lambda: emulator.count("devices") == 2, "the probe's check of Ring")
    assert readyz(client) == READY and emulator.count("devices") == 2


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
    assert readyz(client) == not_ready("device list: HTTP 500")  # the last answer, while Ring is asked
    wait_for(lambda: readyz(client) == READY, "the new check's answer")
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
    # The emulator answers slowly, so the ten probes overlap: the one that started the first
    # check waits for it, the others say it is under way; Ring is asked once.
    ready = (True, "a token is present and Ring answers")
    under_way = (False, "the first check that Ring answers is under way")
    with Emulator(small_day(), api_latency=0.2) as slow:
        settings = signed_in(tmp_path, slow)
        with Connector(settings) as connector, ThreadPoolExecutor(10) as pool:
            answers = list(pool.map(lambda _: connector.readiness(), range(10)))
            assert connector.readiness() == ready
        assert ready in answers and set(answers) <= {ready, under_way}
        assert slow.count("devices") == 1 and slow.count("session") == 1


def test_while_ring_is_slow_probes_answer_at_once_from_the_last_check(
    app: Flask, emulator: Emulator, settings: Settings, monotonic: Monotonic
) -> None:
    """Forty probes while Ring does not answer: each answers from the last check at once, Ring is
    asked once, and /healthz answers meanwhile (before, every probe waited for the one check,
    holding a server thread each)."""
    with served(app) as base:
        assert requests.get(base + "/readyz", timeout=10).status_code == 200
        emulator.add_fault(Fault("devices", "stall"))
        monotonic.now += READY_TTL + 1
        emulator.reset_counters()

        def probe(path: str) -> tuple[int, float]:
            started = time.monotonic()
            status = requests.get(base + path, timeout=30).status_code
            return status, time.monotonic() - started

        with ThreadPoolExecutor(41) as pool:
            probes = [pool.submit(probe, "/readyz") for _ in range(40)]
            health = pool.submit(probe, "/healthz")
            answers = [p.result() for p in probes]
        assert all(status == 200 for status, _ in answers)
        assert max(seconds for _, seconds in answers) < 1.0, sorted(s for _, s in answers)[-3:]
        assert health.result()[0] == 200 and health.result()[1] < 1.0
        assert emulator.count("devices") == 1
        wait_for(
            lambda: (
                requests.get(base + "/readyz", timeout=10).json()["reason"]
                == f"Ring did not answer within {settings.http_timeout:g} s"
            ),
            "the stalled check to end",
        )
