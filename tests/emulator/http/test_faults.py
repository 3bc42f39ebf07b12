"""Fault injection: each kind, keyed and repeated faults, random faults, and the admin route."""

from __future__ import annotations

import http.client
import threading
import time
from datetime import date

import pytest
import requests

from ringConnector.emulator import Emulator, Fault, RandomFaults, Scenario, bulk_scenario

DEVICES = "/clients_api/ring_devices"


def _storage_url(emu: Emulator, http: requests.Session, auth: dict[str, str], event_id: int) -> str:
    play = http.get(emu.api_url + f"/clients_api/dings/{event_id}/share/play", headers=auth)
    return str(play.json()["url"])


def test_status_fault_with_retry_after(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """A status fault answers once with that status, a JSON body and Retry-After."""
    emu.add_fault(Fault("devices", "status", status=429, retry_after=7))
    first = http.get(emu.api_url + DEVICES, headers=auth)
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "7"
    assert first.json()["error"] == "Too Many Requests"
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 200


def test_storage_status_fault_is_s3_xml(
    emu: Emulator, http: requests.Session, auth: dict[str, str], demo_day: Scenario
) -> None:
    """On storage a status fault is an S3-style error; no Retry-After unless asked."""
    event = demo_day.events[0].id
    url = _storage_url(emu, http, auth, event)
    emu.add_fault(Fault("storage", "status", status=503))
    answer = http.get(url)
    assert answer.status_code == 503 and "<Code>SlowDown</Code>" in answer.text
    assert "Retry-After" not in answer.headers
    assert http.get(url).status_code == 200


def test_drop_closes_without_an_answer(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """A drop fault closes the connection before any byte of answer."""
    emu.add_fault(Fault("devices", "drop"))
    with pytest.raises(requests.ConnectionError, match="without response"):
        http.get(emu.api_url + DEVICES, headers=auth)
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 200


def test_short_json_answer_breaks_off(emu: Emulator, auth: dict[str, str]) -> None:
    """A short fault sends the full Content-Length but only part of the body."""
    emu.add_fault(Fault("devices", "short"))
    host, port = emu.api_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("GET", DEVICES, headers=auth)
        answer = conn.getresponse()
        assert answer.status == 200
        length = int(answer.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as caught:
            answer.read()
        assert 0 < len(caught.value.partial) < length
    finally:
        conn.close()


def test_short_download_is_not_counted(
    emu: Emulator, http: requests.Session, auth: dict[str, str], demo_day: Scenario
) -> None:
    """A storage download cut short gives fewer bytes than promised and no download count."""
    event = demo_day.events[0]
    url = _storage_url(emu, http, auth, event.id)
    emu.add_fault(Fault("storage", "short", key=str(event.id)))
    received = 0
    with (
        pytest.raises(requests.exceptions.ChunkedEncodingError),
        http.get(url, stream=True) as answer,
    ):
        assert int(answer.headers["Content-Length"]) == event.size
        for chunk in answer.iter_content(65536):
            received += len(chunk)
    assert 0 < received < event.size
    assert emu.storage_downloads(str(event.id)) == 0
    assert len(http.get(url).content) == event.size


def test_stall_needs_the_client_timeout(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """A stalled request never answers: only the client's timeout ends it."""
    emu.add_fault(Fault("history", "stall"))
    with pytest.raises(requests.exceptions.ReadTimeout):
        http.get(emu.api_url + "/clients_api/doorbots/201000101/history", headers=auth, timeout=0.2)
    answer = http.get(emu.api_url + "/clients_api/doorbots/201000101/history", headers=auth)
    assert answer.status_code == 200


def test_stop_is_not_held_up_by_a_stalled_request(demo_day: Scenario) -> None:
    """stop() returns promptly and ends the stalled request with a closed connection."""
    errors: list[BaseException] = []
    emu = Emulator(demo_day).start()
    auth = {"Authorization": f"Bearer {emu.issue_token()['access_token']}"}
    emu.add_fault(Fault("devices", "stall"))

    def call() -> None:
        try:
            requests.get(emu.api_url + DEVICES, headers=auth, timeout=30)
        except requests.RequestException as ex:
            errors.append(ex)

    client = threading.Thread(target=call)
    client.start()
    try:
        deadline = time.monotonic() + 5
        while emu.count("devices") == 0 and time.monotonic() < deadline:
            time.sleep(0.005)  # wait for the request to arrive, polling a counter
    finally:
        started = time.monotonic()
        emu.stop()
        stopped_in = time.monotonic() - started
        client.join(5)
    # The stalled client would wait 30 s; stopping well before that shows stop() did not wait on it.
    assert stopped_in < 15
    assert not client.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], requests.ConnectionError)


def test_keyed_fault_hits_only_its_event_and_times_counts(
    emu: Emulator, http: requests.Session, auth: dict[str, str], demo_day: Scenario
) -> None:
    """key= restricts the fault to one event; times= makes it fire that many times."""
    target, other = demo_day.events[0].id, demo_day.events[1].id
    emu.add_fault(Fault("share_play", "status", status=500, times=2, key=str(target)))
    play = emu.api_url + "/clients_api/dings/{}/share/play"
    assert http.get(play.format(other), headers=auth).status_code == 200
    codes = [http.get(play.format(target), headers=auth).status_code for _ in range(3)]
    assert codes == [500, 500, 200]


def _outcomes(faults: RandomFaults, requests_per_key: int = 20) -> list[int]:
    scenario = bulk_scenario(date(2024, 3, 9), "UTC", events=5, size=1000)
    with Emulator(scenario) as emu, requests.Session() as http:
        auth = {"Authorization": f"Bearer {emu.issue_token()['access_token']}"}
        emu.set_random_faults(faults)
        url = emu.api_url + "/clients_api/dings/{}/share/play"
        return [
            http.get(url.format(event.id), headers=auth).status_code
            for event in scenario.events
            for _ in range(requests_per_key)
        ]


def test_random_faults_are_deterministic_per_seed() -> None:
    """The same seed gives the same faults; another seed others; about `rate` of requests fail."""
    first = _outcomes(RandomFaults(rate=0.3, seed=7, routes={"share_play"}, kinds={"status"}))
    again = _outcomes(RandomFaults(rate=0.3, seed=7, routes={"share_play"}, kinds={"status"}))
    other = _outcomes(RandomFaults(rate=0.3, seed=8, routes={"share_play"}, kinds={"status"}))
    assert first == again
    assert first != other
    failures = sum(code != 200 for code in first)
    assert 0.15 * len(first) < failures < 0.45 * len(first)
    assert set(first) <= {200, 429, 500, 503}


def test_random_faults_never_hit_a_request_more_than_three_times_in_a_row() -> None:
    """Even at rate 1, every fourth attempt at the same request gets through."""
    codes = _outcomes(RandomFaults(rate=1.0, seed=1, routes={"share_play"}), requests_per_key=8)
    per_event = [codes[i : i + 8] for i in range(0, len(codes), 8)]
    for attempts in per_event:
        assert [code == 200 for code in attempts] == [False, False, False, True] * 2


def test_random_faults_only_on_their_routes(
    emu: Emulator, http: requests.Session, auth: dict[str, str]
) -> None:
    """Routes outside the set are untouched."""
    emu.set_random_faults(RandomFaults(rate=1.0, seed=1, routes={"history"}))
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 200
    emu.set_random_faults(None)
    assert http.get(emu.api_url + "/clients_api/doorbots/201000101/history", headers=auth).ok


def test_clear_faults(emu: Emulator, http: requests.Session, auth: dict[str, str]) -> None:
    """clear_faults removes pending scripted faults."""
    emu.add_fault(Fault("devices", "status", status=500, times=5))
    emu.clear_faults()
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 200


@pytest.mark.parametrize(
    "kwargs",
    [
        {"route": "nowhere", "kind": "drop"},
        {"route": "devices", "kind": "explode"},
        {"route": "devices", "kind": "drop", "times": 0},
    ],
)
def test_invalid_faults_are_refused(kwargs: dict[str, object]) -> None:
    """Typos in routes or kinds fail where the test wrote them."""
    with pytest.raises((ValueError, TypeError)):
        Fault(**kwargs)  # type: ignore[arg-type]


def test_admin_routes_control_a_running_emulator(
    emu: Emulator, http: requests.Session, auth: dict[str, str]
) -> None:
    """Faults, counters and token expiry can be driven over HTTP, without auth."""
    admin = emu.api_url + "/_emulator"
    answer = http.post(admin + "/faults", json=[{"route": "devices", "kind": "status", "status": 502}])
    assert answer.status_code == 200 and len(answer.json()["pending"]) == 1
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 502
    counters = http.get(admin + "/counters").json()
    assert counters["requests"]["devices"] == 1
    assert http.post(admin + "/faults", json={"x": 1}).status_code == 400
    assert http.post(admin + "/counters/reset").ok and emu.counters() == {}
    random = {"random": {"rate": 1.0, "seed": 3, "routes": ["devices"], "kinds": ["status"]}}
    assert http.post(admin + "/faults", json=random).ok
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code != 200
    assert http.post(admin + "/faults", json={"clear": True}).ok
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 200
    assert http.post(admin + "/tokens/expire").ok
    assert http.get(emu.api_url + DEVICES, headers=auth).status_code == 401
    assert http.post(admin + "/tokens/revoke").ok
