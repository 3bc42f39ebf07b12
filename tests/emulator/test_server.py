"""The Emulator's lifecycle and control surface: ports, threads, counters, runtime changes."""

from __future__ import annotations

import socket
import threading
from datetime import date

import pytest
import requests

from ringConnector.emulator import Emulator, Scenario, bulk_scenario


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_start_and_stop_leave_no_thread_or_socket(demo_day: Scenario) -> None:
    """All three ports listen while running; after stop the thread is gone and the ports refuse."""
    before = set(threading.enumerate())
    emu = Emulator(demo_day)
    emu.start()
    urls = (emu.api_url, emu.storage_url, emu.partner_url)
    assert emu.oauth_url == emu.api_url + "/oauth/token"
    assert len({_port(url) for url in urls}) == 3
    for url in urls:
        socket.create_connection(("127.0.0.1", _port(url)), timeout=2).close()
    assert len(set(threading.enumerate()) - before) == 1
    emu.stop()
    emu.stop()  # idempotent
    assert set(threading.enumerate()) == before
    for url in urls:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", _port(url)), timeout=2)


def test_fixed_ports_are_used(demo_day: Scenario) -> None:
    """Given ports are bound as asked (taken from the OS first, so they are free)."""
    with socket.socket() as a, socket.socket() as b, socket.socket() as c:
        for sock in (a, b, c):
            sock.bind(("127.0.0.1", 0))
        ports = (a.getsockname()[1], b.getsockname()[1], c.getsockname()[1])
    with Emulator(demo_day, api_port=ports[0], storage_port=ports[1], partner_port=ports[2]) as emu:
        assert (_port(emu.api_url), _port(emu.storage_url), _port(emu.partner_url)) == ports


def test_busy_port_fails_start_cleanly(demo_day: Scenario) -> None:
    """A port in use makes start() raise OSError and leaves nothing running."""
    before = set(threading.enumerate())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        emu = Emulator(demo_day, storage_port=busy.getsockname()[1])
        with pytest.raises(OSError):
            emu.start()
    assert set(threading.enumerate()) == before


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_non_loopback_hosts_are_refused(demo_day: Scenario, host: str) -> None:
    """It is an emulator: it never listens beyond loopback."""
    with pytest.raises(ValueError, match="loopback"):
        Emulator(demo_day, host=host)


def test_ipv6_loopback(demo_day: Scenario) -> None:
    """::1 works too, with the address bracketed in the URLs."""
    try:
        emu = Emulator(demo_day, host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with emu:
        assert emu.api_url.startswith("http://[::1]:")
        assert requests.get(emu.api_url + "/_emulator/counters", timeout=5).ok


def test_counters_per_route_and_key(
    emu: Emulator, demo_day: Scenario, http: requests.Session, auth: dict[str, str]
) -> None:
    """count() per route and per key; counters() per route; reset_counters() zeroes them."""
    front, back = 201000101, 201000102
    for device in (front, front, back):
        http.get(emu.api_url + f"/clients_api/doorbots/{device}/history", headers=auth)
    http.get(emu.api_url + "/clients_api/ring_devices", headers=auth)
    assert emu.count("history") == 3
    assert emu.count("history", str(front)) == 2 and emu.count("history", str(back)) == 1
    assert emu.counters() == {"history": 3, "devices": 1}
    emu.reset_counters()
    assert emu.counters() == {} and emu.count("history", str(front)) == 0


def test_set_event_changes_what_history_says(
    emu: Emulator, demo_day: Scenario, http: requests.Session, auth: dict[str, str]
) -> None:
    """set_event changes are visible at once; the caller's scenario object is not touched."""
    event = next(e for e in demo_day.events if e.recording_status == "processing")
    emu.set_event(str(event.id), recording_status="ready", duration=None)
    items = http.get(
        emu.api_url + f"/clients_api/doorbots/{event.device_id}/history",
        params={"limit": 100},
        headers=auth,
    ).json()
    item = next(i for i in items if i["id"] == event.id)
    assert item["recording"] == {"status": "ready"} and "duration" not in item
    assert event.recording_status == "processing"


def test_add_events_refuses_bad_events(emu: Emulator, demo_day: Scenario) -> None:
    """Duplicate ids and events on chimes are refused, and nothing of the batch is added."""
    fresh = bulk_scenario(date(2024, 3, 20), "UTC", events=1, size=1000).events[0]
    fresh.device_id = 201000101
    with pytest.raises(ValueError, match="already exists"):
        emu.add_events([fresh, demo_day.events[0]])
    assert emu.state.event(fresh.id) is None
    fresh.device_id = 201000104  # the chime
    with pytest.raises(ValueError, match="no video device"):
        emu.add_events([fresh])


def test_expected_sha256_of_unknown_event(emu: Emulator) -> None:
    """Asking for an event that does not exist is a KeyError, not a silent hash."""
    with pytest.raises(KeyError):
        emu.expected_sha256("1")


@pytest.mark.parametrize(
    "kwargs", [{"storage_bandwidth": 0}, {"storage_first_byte_latency": -1}, {"api_latency": -0.1}]
)
def test_invalid_settings_are_refused(demo_day: Scenario, kwargs: dict[str, float]) -> None:
    """Nonsense settings fail at construction, not in the server thread."""
    with pytest.raises(ValueError):
        Emulator(demo_day, **kwargs)  # type: ignore[arg-type]


def test_a_visitor_rings_over_the_admin_route(
    emu: Emulator, http: requests.Session, auth: dict[str, str]
) -> None:
    """POST /_emulator/ring: a ding now, listed by history at once (newest first), ready later."""
    ring = emu.api_url + "/_emulator/ring"
    first = http.post(ring, json={"ready_after": 30})
    second = http.post(ring, json={"device_id": 201000102, "kind": "motion"})
    assert (first.status_code, second.status_code) == (201, 201)
    rung, other = first.json(), second.json()
    assert (rung["device_id"], rung["kind"], other["kind"]) == (201000101, "ding", "motion")
    history = http.get(emu.api_url + "/clients_api/doorbots/201000101/history", headers=auth).json()
    assert history[0]["id"] == int(rung["id"]) and history[0]["kind"] == "ding"
    again = http.post(ring, json={}).json()  # the same second: a new id all the same
    assert again["id"] != rung["id"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"device_id": 42}, "no video device 42"),
        ({"device_id": "front"}, "invalid literal"),
        ({"ready_after": -1}, "ready_after is 0-3600"),
        ({"pushes": 9}, "pushes 0-5"),
        ({"colour": "red"}, "expected an object with some of"),
        ([1, 2], "expected an object"),
    ],
)
def test_a_ring_the_emulator_cannot_make_is_a_400(
    emu: Emulator, http: requests.Session, body: object, says: str
) -> None:
    before = _all_history(emu)
    answer = http.post(emu.api_url + "/_emulator/ring", json=body)
    assert answer.status_code == 400
    assert says in answer.json()["error_description"]
    assert _all_history(emu) == before  # nothing rang


def _all_history(emu: Emulator) -> list[int]:
    return [e.id for d in emu.state.devices() for e in emu.state.history(d.id, 10_000, None)]
