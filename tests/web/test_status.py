"""Health, readiness and the device list."""

from __future__ import annotations

from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from ringConnector.config import Settings
from ringConnector.connector import Connector
from ringConnector.emulator import Emulator, Fault
from ringConnector.web.app import create_app
from tests.support import BACK, FRONT, GARAGE, UNSUBSCRIBED, ZONE, SmallDay


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_ready_when_a_token_is_there_and_ring_answers(client: FlaskClient, emulator: Emulator) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["status"] == "ready"
    client.get("/readyz")
    assert emulator.count("devices") == 1  # probes do not each ask Ring


def test_not_ready_without_a_token(client: FlaskClient, settings: Settings) -> None:
    settings.oauth_file.unlink()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "not_ready"
    assert "startCreateAuthFile.py" in response.get_json()["reason"]


def test_not_ready_when_ring_is_down(client: FlaskClient, emulator: Emulator) -> None:
    emulator.stop()
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["reason"]


def test_probes_need_no_api_key(settings: Settings, connector: Connector) -> None:
    keyed = create_app(settings.replace(api_key="secret-key"), connector=connector).test_client()
    assert keyed.get("/healthz").status_code == 200
    assert keyed.get("/readyz").status_code == 200
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
